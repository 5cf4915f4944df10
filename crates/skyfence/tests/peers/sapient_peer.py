"""An independent SAPIENT peer for skyfence's tests, written with PyPI sapient-msg
(the BSI Flex 335 v2.0 protobuf bindings, independent of skyfence).

client HOST PORT: a sensor node. Registers (and checks the acknowledgement), reports
  its status with its position, then reports a target flying east for 60 s of
  timestamps as range-bearing detections; also sends one detection report from a node
  that never registered (and checks it is refused with an Error). Prints a JSON
  summary.
server PORT SECONDS: an upstream fusion node. Accepts skyfence, checks its
  Registration, acknowledges it, and prints each DetectionReport and Alert it then
  receives as one JSON line, for SECONDS.
"""
import json
import math
import socket
import struct
import sys
import time
import uuid

from sapient_msg.bsi_flex_335_v2_0.sapient_message_pb2 import SapientMessage
from sapient_msg.bsi_flex_335_v2_0 import (
    location_pb2,
    range_bearing_pb2,
    registration_pb2,
    status_report_pb2,
)

NODE = str(uuid.UUID("6f1c2a9e-5b4d-4c3e-9a8f-1e2d3c4b5a60"))
STRANGER = str(uuid.UUID("00000000-0000-4000-8000-00000000beef"))
SITE = (54.0, 24.0, 150.0)  # the node's latitude, longitude, height


def send(sock, msg):
    body = msg.SerializeToString()
    sock.sendall(struct.pack("<I", len(body)) + body)


def recv(sock, timeout=5.0):
    sock.settimeout(timeout)
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (n,) = struct.unpack("<I", head)
    body = b""
    while len(body) < n:
        chunk = sock.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    m = SapientMessage()
    m.ParseFromString(body)
    return m


def stamp(msg, t):
    msg.timestamp.FromNanoseconds(int(t * 1e9))


def client(host, port):
    s = socket.create_connection((host, int(port)))
    t0 = 1_780_000_000.0
    out = {}

    reg = SapientMessage()
    stamp(reg, t0)
    reg.node_id = NODE
    r = reg.registration
    nd = r.node_definition.add()
    nd.node_type = registration_pb2.Registration.NODE_TYPE_RADAR
    r.icd_version = "BSI Flex 335 v2.0"
    r.name = "peer radar"
    r.short_name = "peer"
    send(s, reg)
    ack = recv(s)
    out["registration_acknowledged"] = bool(ack and ack.HasField("registration_ack") and ack.registration_ack.acceptance)

    st = SapientMessage()
    stamp(st, t0)
    st.node_id = NODE
    sr = st.status_report
    sr.report_id = "01J0000000000000000000STAT"
    sr.system = status_report_pb2.StatusReport.SYSTEM_OK
    sr.info = status_report_pb2.StatusReport.INFO_NEW
    sr.mode = "default"
    sr.node_location.x = SITE[1]
    sr.node_location.y = SITE[0]
    sr.node_location.z = SITE[2]
    sr.node_location.coordinate_system = location_pb2.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M
    sr.node_location.datum = location_pb2.LOCATION_DATUM_WGS84_E
    send(s, st)

    # A target 3 km north of the radar at 300 m, flying east at 30 m/s, seen every
    # second for 60 s.
    for k in range(61):
        t = t0 + 1 + k
        e, n, u = -900.0 + 30.0 * k, 3000.0, 150.0
        rng = math.sqrt(e * e + n * n + u * u)
        m = SapientMessage()
        stamp(m, t)
        m.node_id = NODE
        d = m.detection_report
        d.report_id = "01J%023d" % k
        d.object_id = "01J0000000000000000000OBJ1"
        rb = d.range_bearing
        rb.range = rng
        rb.azimuth = math.degrees(math.atan2(e, n)) % 360.0
        rb.elevation = math.degrees(math.asin(u / rng))
        rb.range_error = 10.0
        rb.azimuth_error = 0.3
        rb.elevation_error = 0.5
        rb.coordinate_system = range_bearing_pb2.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M
        rb.datum = range_bearing_pb2.RANGE_BEARING_DATUM_TRUE
        c = d.classification.add()
        c.type = "UAV"
        c.confidence = 0.8
        sc = c.sub_class.add()
        sc.type = "Rotary Wing"
        sc.level = 1
        sc.confidence = 0.8
        send(s, m)

    bad = SapientMessage()
    stamp(bad, t0 + 62)
    bad.node_id = STRANGER
    bad.detection_report.report_id = "01J0000000000000000000BAD1"
    bad.detection_report.object_id = "01J0000000000000000000BAD2"
    bad.detection_report.location.x = 24.0
    bad.detection_report.location.y = 54.0
    send(s, bad)
    out["refused_unregistered"] = False
    out["errors"] = []
    deadline = time.time() + 10
    while time.time() < deadline:
        m = recv(s, timeout=max(0.1, deadline - time.time()))
        if m is None:
            break
        if m.HasField("error"):
            out["errors"].extend(m.error.error_message)
            if any("not registered" in e for e in m.error.error_message):
                out["refused_unregistered"] = True
                break
    s.close()
    print(json.dumps(out))


def server(port, seconds):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(1)
    ls.settimeout(30)
    c, _ = ls.accept()
    m = recv(c, timeout=10)
    reg = m.registration
    print(json.dumps({
        "kind": "registration",
        "node_id": m.node_id,
        "icd_version": reg.icd_version,
        "node_type": registration_pb2.Registration.NodeType.Name(reg.node_definition[0].node_type),
        "has_mode": len(reg.mode_definition) > 0,
    }), flush=True)
    ack = SapientMessage()
    stamp(ack, time.time())
    ack.node_id = str(uuid.uuid4())
    ack.destination_id = m.node_id
    ack.registration_ack.acceptance = True
    send(c, ack)
    end = time.time() + float(seconds)
    while time.time() < end:
        try:
            m = recv(c, timeout=max(0.1, end - time.time()))
        except socket.timeout:
            break
        if m is None:
            break
        if m.HasField("detection_report"):
            d = m.detection_report
            print(json.dumps({
                "kind": "detection_report",
                "time_s": m.timestamp.ToNanoseconds() / 1e9,
                "node_id": m.node_id,
                "object_id": d.object_id,
                "report_id": d.report_id,
                "lat": d.location.y,
                "lon": d.location.x,
                "alt": d.location.z,
                "coordinate_system": location_pb2.LocationCoordinateSystem.Name(d.location.coordinate_system),
                "classes": [c.type for c in d.classification],
                "east_rate": d.enu_velocity.east_rate,
            }), flush=True)
        elif m.HasField("alert"):
            print(json.dumps({"kind": "alert", "alert_id": m.alert.alert_id, "description": m.alert.description}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3])
    else:
        server(sys.argv[2], sys.argv[3])
