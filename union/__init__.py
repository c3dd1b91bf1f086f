"""The consortium's union catalogue: union records clustering every member's instances, master
records, shared cataloguing, match reviews and exports. Lives in the public schema."""
