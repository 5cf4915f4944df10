"""Independent decode of ASTERIX recordings for skyfence's tests.

Decodes the sample recordings shipped in PyPI asterix_decoder (or a file given) with
that package's decoder (a C++ implementation driven by EUROCONTROL's XML item
definitions, independent of skyfence) and prints one JSON object per record:
{"file": NAME, "capture_time_s": T or null, "record": <asterix_decoder's dict>}.
pcap files are read with dpkt, as the package's own example does.

usage: asterix_decode.py [FILE...]   (default: every shipped .pcap and .raw sample)
"""
import json
import sys

import asterix
import dpkt


def records(path):
    if path.endswith(".pcap"):
        with open(path, "rb") as f:
            for ts, buf in dpkt.pcap.Reader(f):
                eth = dpkt.ethernet.Ethernet(buf)
                ip = eth.data
                if not isinstance(ip, dpkt.ip.IP) or not isinstance(ip.data, dpkt.udp.UDP):
                    continue
                for r in asterix.parse(bytes(ip.data.data)):
                    yield ts, r
    else:
        with open(path, "rb") as f:
            for r in asterix.parse(f.read()):
                yield None, r


def main(paths):
    if not paths:
        paths = [asterix.get_sample_file(n) for n in ("cat_034_048.pcap", "cat034.raw", "cat048.raw")]
    for p in paths:
        for ts, r in records(p):
            print(json.dumps({"file": p, "capture_time_s": ts, "record": r}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
