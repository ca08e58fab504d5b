"""The retry a fault forces, without the fault: P7 (decisions.md).

Found by test_restart_nats: a message committed just before nats-server went
away never had its broadcast delivered; the sender retried its client_id, chat
answered "duplicate" with the original, and the gateway dropped that answer,
so the sender could never learn its message was stored and retried forever.
Now the original goes back to the sender alone; nobody else hears it twice.
"""

import time
import uuid

from faultlib import history
from lib import ws as wslib


def test_p7_retried_client_id_returns_original_to_sender_only(scenario):
    sc, st = scenario, scenario.stack
    # A room of its own: the scenario's room carries the publishers' load.
    room = "p7" + uuid.uuid4().hex[:10]
    url = f"{st.gateway_ws_url}/ws/chat/{room}/"
    sender = wslib.connect(url, origin=sc.origin, cookie=sc.users[0][1].cookie_header())
    other = wslib.connect(url, origin=sc.origin, cookie=sc.users[1][1].cookie_header())
    cid = uuid.uuid4().hex
    # A daemon still recovering from the previous fault may answer
    # "unavailable": a client resends the same client_id, as the SPA does.
    for _ in range(10):
        sender.send_json({"message": "once", "client_id": cid})
        first = sender.recv_until(lambda f: f.get("client_id") == cid or "error" in f, 5)
        if first.get("error") != "unavailable":
            break
        time.sleep(0.5)
    assert first.get("client_id") == cid and first["message"] == "once", first
    assert other.recv_json(5)["id"] == first["id"]

    # The retry, as after a lost broadcast: from a new socket of the same user.
    sender.close()
    again = wslib.connect(url, origin=sc.origin, cookie=sc.users[0][1].cookie_header())
    again.send_json({"message": "once", "client_id": cid})
    original = again.recv_json(5)
    assert original == first  # the stored message, same id, same createdAt
    other.expect_silence(1.0)  # stored and broadcast once only
    msgs = history(sc.reader, room)
    assert [m["id"] for m in msgs] == [first["id"]]
    again.close()
    other.close()
