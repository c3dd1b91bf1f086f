from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tenants.models import Library, Membership, Region, Role


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class LibrarySerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), required=False)

    class Meta:
        model = Library
        fields = [
            "code", "name", "name_en", "kind", "region", "contact_name", "contact_email", "contact_phone",
            "address", "student_count", "teacher_count", "weekly_opening_hours", "ill_lending",
            "ill_borrowing", "is_active", "created_at",
        ]
        read_only_fields = ["created_at", "is_active"]
        # Uniqueness is checked by the provisioning service, which answers 409 for duplicates.
        extra_kwargs = {"code": {"validators": []}}


class LibraryUpdateSerializer(LibrarySerializer):
    class Meta(LibrarySerializer.Meta):
        read_only_fields = ["code", "kind", "region", "created_at", "is_active"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.SlugRelatedField(
        source="user", slug_field="username", queryset=get_user_model().objects.all()
    )

    class Meta:
        model = Membership
        fields = ["id", "username", "role", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_role(self, value):
        if value == Role.COORDINATOR:
            raise serializers.ValidationError(_("Coordinators are appointed for a region, not a library."))
        return value


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    memberships = serializers.ListField(child=serializers.DictField())
