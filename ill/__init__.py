"""Interlibrary loan and document delivery between members and with outside peers, on ISO 18626.

Requests placed from union records go round a rota of lenders scored by the consortium's policy;
both sides are state machines whose every change travels as an ISO 18626 message.
"""
