"""Run Stone Soup trackers on a skyfence detections file, for side-by-side benchmarks.

Reads the same JSON Lines detections skyfence reads (Cartesian x_m, y_m, one scan per
time_s), runs the requested Stone Soup trackers configured as in Stone Soup's own
tutorials, and writes, per tracker, the confirmed tracks at each scan as JSON Lines
(time_s, track, x_m, y_m). Prints one JSON object per tracker with its loop time.
Scoring is done by skyfence's evaluation crate, so both trackers are scored by the
same code.

Usage: stonesoup_runner.py DETECTIONS OUT_PREFIX --q Q --sigma S --pd PD
       --clutter-density L --trackers gnn,gnn_kdtree,jpda_ehm2
"""
import argparse
import datetime
import json
import sys
import time
from collections import OrderedDict

import numpy as np
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.dataassociator.probability import JPDAwithEHM2
from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
from stonesoup.deleter.time import UpdateTimeStepsDeleter
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.hypothesiser.probability import PDAHypothesiser
from stonesoup.initiator.simple import MultiMeasurementInitiator
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel, ConstantVelocity)
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
from stonesoup.types.detection import Detection
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import KalmanUpdater

EPOCH = datetime.datetime(2025, 1, 1)


def read_scans(path, measurement_model):
    scans = OrderedDict()
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            t = d["time_s"]
            ts = EPOCH + datetime.timedelta(seconds=t)
            scans.setdefault(t, (ts, set()))[1].add(
                Detection(np.array([[d["x_m"]], [d["y_m"]]]), timestamp=ts,
                          measurement_model=measurement_model))
    return [(t, ts, dets) for t, (ts, dets) in scans.items()]


class Reader:
    """The detector interface Stone Soup trackers iterate over."""

    def __init__(self, scans):
        self.scans = scans

    def __iter__(self):
        for _, ts, dets in self.scans:
            yield ts, dets


def build(name, q, sigma, pd, clutter_density, scans):
    transition = CombinedLinearGaussianTransitionModel(
        [ConstantVelocity(q), ConstantVelocity(q)])
    measurement = LinearGaussian(ndim_state=4, mapping=(0, 2),
                                 noise_covar=np.diag([sigma ** 2, sigma ** 2]))
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(measurement)
    hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(),
                               missed_distance=3)
    init_assoc = GNNWith2DAssignment(hyp)
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)), np.diag([0, 30.0 ** 2, 0, 30.0 ** 2])),
        measurement_model=measurement,
        deleter=UpdateTimeStepsDeleter(2),
        data_associator=init_assoc,
        updater=updater,
        min_points=3)
    deleter = UpdateTimeStepsDeleter(5)
    reader = Reader(scans)
    if name == "gnn":
        return MultiTargetTracker(initiator=initiator, deleter=deleter, detector=reader,
                                  data_associator=GNNWith2DAssignment(hyp), updater=updater)
    if name == "gnn_kdtree":
        assoc = DetectionKDTreeGNN2D(hypothesiser=hyp, predictor=predictor, updater=updater,
                                     max_distance_covariance_multiplier=10)
        return MultiTargetTracker(initiator=initiator, deleter=deleter, detector=reader,
                                  data_associator=assoc, updater=updater)
    if name == "jpda_ehm2":
        phyp = PDAHypothesiser(predictor=predictor, updater=updater,
                               clutter_spatial_density=clutter_density, prob_detect=pd)
        return MultiTargetMixtureTracker(initiator=initiator, deleter=deleter, detector=reader,
                                         data_associator=JPDAwithEHM2(phyp), updater=updater)
    raise SystemExit(f"unknown tracker {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("detections")
    ap.add_argument("out_prefix")
    ap.add_argument("--q", type=float, required=True)
    ap.add_argument("--sigma", type=float, required=True)
    ap.add_argument("--pd", type=float, required=True)
    ap.add_argument("--clutter-density", type=float, required=True)
    ap.add_argument("--trackers", default="gnn,gnn_kdtree,jpda_ehm2")
    ap.add_argument("--time-limit-s", type=float, default=600.0)
    a = ap.parse_args()
    for name in a.trackers.split(","):
        measurement = LinearGaussian(ndim_state=4, mapping=(0, 2),
                                     noise_covar=np.diag([a.sigma ** 2, a.sigma ** 2]))
        scans = read_scans(a.detections, measurement)
        n_det = sum(len(s[2]) for s in scans)
        tracker = build(name, a.q, a.sigma, a.pd, a.clutter_density, scans)
        times = {ts: t for t, ts, _ in scans}
        out_path = f"{a.out_prefix}.{name}.jsonl"
        lines = []
        start = time.perf_counter()
        stopped = False
        for ts, tracks in tracker:
            t = times[ts]
            for tr in tracks:
                sv = tr.state_vector
                lines.append((t, tr.id, float(sv[0, 0]), float(sv[2, 0])))
            if time.perf_counter() - start > a.time_limit_s:
                stopped = True
                break
        wall = time.perf_counter() - start
        ids = {}
        with open(out_path, "w") as f:
            for t, tid, x, y in lines:
                k = ids.setdefault(tid, len(ids) + 1)
                f.write(json.dumps({"time_s": t, "track": k, "x_m": x, "y_m": y}) + "\n")
        print(json.dumps({"tracker": name, "wall_s": wall, "detections": n_det,
                          "stopped": stopped, "output": out_path}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
