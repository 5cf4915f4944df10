"""Independent check of skyfence's Cursor-on-Target events.

Reads one XML event per line from the file given, parses each with takproto (the
TAK project's Python CoT <-> protobuf library, an implementation independent of
skyfence), round-trips it through the TAK protobuf encoding, and checks the fields
the CoT Event schema requires. Prints a JSON summary; exits non-zero on the first
event that does not parse.
"""
import json
import sys
import xml.etree.ElementTree as ET

import takproto

REQUIRED_EVENT = ["version", "uid", "type", "time", "start", "stale", "how"]
REQUIRED_POINT = ["lat", "lon", "hae", "ce", "le"]


def main(path):
    summary = {"events": 0, "types": {}, "problems": []}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            root = ET.fromstring(line.encode("utf-8"))
            if root.tag != "event":
                summary["problems"].append(f"{n}: root is {root.tag}")
            for a in REQUIRED_EVENT:
                if root.get(a) is None:
                    summary["problems"].append(f"{n}: event lacks {a}")
            point = root.find("point")
            if point is None:
                summary["problems"].append(f"{n}: no point")
                continue
            for a in REQUIRED_POINT:
                if point.get(a) is None:
                    summary["problems"].append(f"{n}: point lacks {a}")
            # takproto parses the times (ISO 8601 UTC) and numbers itself.
            proto = takproto.xml2proto(line.encode("utf-8"))
            msg = takproto.parse_proto(proto)
            ev = msg.cotEvent
            if ev.uid != root.get("uid") or ev.type != root.get("type"):
                summary["problems"].append(f"{n}: uid or type changed in the round trip")
            if not (ev.sendTime <= ev.startTime <= ev.staleTime) or ev.staleTime <= ev.sendTime:
                summary["problems"].append(f"{n}: times out of order {ev.sendTime} {ev.startTime} {ev.staleTime}")
            if not (-90 <= ev.lat <= 90 and -180 <= ev.lon <= 180):
                summary["problems"].append(f"{n}: position out of range")
            summary["events"] += 1
            summary["types"][ev.type] = summary["types"].get(ev.type, 0) + 1
            if n == 1:
                summary["first"] = {"uid": ev.uid, "lat": ev.lat, "lon": ev.lon, "how": ev.how,
                                    "callsign": ev.detail.contact.callsign}
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1])
