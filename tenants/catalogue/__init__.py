"""A member library's local catalogue (in its own schema): Instance -> HoldingsRecord -> Item."""
