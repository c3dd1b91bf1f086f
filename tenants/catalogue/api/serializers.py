from rest_framework import serializers

from tenants.catalogue.models import HoldingsRecord, Instance, Item


class ItemSerializer(serializers.ModelSerializer):
    loanable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Item
        fields = ["id", "hrid", "barcode", "status", "reference_only", "loanable", "volume", "copy_number", "price", "acquired_on"]


class HoldingsSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = HoldingsRecord
        fields = ["id", "hrid", "location", "call_number", "notes", "items"]


class InstanceListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instance
        fields = ["id", "hrid", "control_number", "record_format", "title", "authors", "publisher", "year", "isbns", "deleted", "updated_at"]


class InstanceSerializer(serializers.ModelSerializer):
    holdings = HoldingsSerializer(many=True, read_only=True)

    class Meta:
        model = Instance
        exclude = ["raw_record", "fingerprint"]
