"""Access rules of the ILL area "peers" (merged into tests/access_matrix.py).

The peers (other ILL systems: endpoints and credentials) are the consortium's: coordinators of a
top region read and change them, nobody else. ``POST /iso18626`` is open to the network like OAI
and SRU, because a peer is not a user: it is authenticated by its own credential (a Bearer secret
and, optionally, its addresses) inside the handler, so every user gets the same answer (a form
post is not a message: 400 with an ISO 18626 ERROR Confirmation).
"""

from tests.access_matrix import CONSORTIUM, PUBLIC, Call, get, post

PEER = {"pk": "peer"}
A_PEER = {"name": "邻省联盟", "agency_id": "NEIGHBOUR-01", "endpoint": "https://ill.example.org/iso18626",
          "version": "2021", "inbound_secret": "a-long-enough-secret", "outbound_secret": "another-secret"}

RULES: dict = {
    "iso18626": [post(PUBLIC, 400, why="a peer authenticates with its own credential, not by signing in")],
    "ill-api-peers": [get(CONSORTIUM), post(CONSORTIUM, 201, data=A_PEER)],
    "ill-api-peer": [get(CONSORTIUM, args=PEER), Call("patch", CONSORTIUM, args=PEER, data={"active": False})],
}


def objects(library, users) -> dict:
    from ill.services.peers import configure_peer

    peer = configure_peer(agency_id="PEER-ACCESS", name="ReShare", endpoint="https://reshare.example.org/iso18626",
                          inbound_secret="secret-of-the-access-peer")
    return {"peer": peer.pk}


def fuzz_known(library_a, library_b, users) -> dict:
    """For the API fuzzing: a configured peer to read and change."""
    from ill.services.peers import configure_peer

    peer = configure_peer(agency_id="PEER-FUZZ", name="Koha", endpoint="https://koha.example.org/iso18626",
                          inbound_secret="secret-of-the-fuzz-peer")
    return {"path": {"peers/{id}": [peer.pk]}}
