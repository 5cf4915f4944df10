//! A whole plan: candidates and a planning sample of crossings, the choice, Pareto
//! curves, and the prediction on an independent sample of crossings (the one the
//! scenario file flies).
use crate::border::BorderLine;
use crate::inputs::{Catalogue, Threats};
use crate::model::{
    build_coverage, candidates, sample_trajectories, target_spec, Candidate, Coverage,
    ModelOptions, Trajectory, World,
};
use crate::optimise::{Chooser, Cost, CurvePoint, Evaluator, Goal, Outcome, Value};
use crate::terrain::Terrain;
use crate::PlanError;
use simulator::scenario::{BorderSpec, Scenario, Side, Site, Weather};

/// Everything a plan starts from.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The border.
    pub border: BorderLine,
    /// Border name (scenario and report titles).
    pub name: String,
    /// Sensors on offer.
    pub catalogue: Catalogue,
    /// Threats.
    pub threats: Threats,
    /// Terrain, if any.
    pub terrain: Option<Terrain>,
    /// Model settings.
    pub options: ModelOptions,
    /// Budget or required warning.
    pub goal: Goal,
    /// Instead of optimising: this catalogue item, evenly spaced at the minimum depth,
    /// as many as the capital budget buys (the baseline a plan is compared with).
    pub uniform: Option<usize>,
    /// Compute per-threat Pareto curves.
    pub pareto: bool,
}

/// A chosen sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Name in the sensors file.
    pub name: String,
    /// Catalogue item.
    pub item: usize,
    /// Where and how it stands.
    pub site: Candidate,
}

/// Predicted figures of one threat.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatSummary {
    /// Threat name.
    pub name: String,
    /// Sampled crossings.
    pub crossings: usize,
    /// Mean probability of a confirmed track before the border.
    pub pd_before_border: f64,
    /// Mean warning (0 for crossings not confirmed before), capped at the horizon, s.
    pub mean_warning_s: f64,
    /// Share of crossings with at least the required warning (warning goal only).
    pub share_with_required_warning: Option<f64>,
}

/// Predicted figures over one kilometre of border.
#[derive(Debug, Clone, PartialEq)]
pub struct KmRow {
    /// Kilometre index from the border's first point.
    pub km: usize,
    /// Per threat: mean pd and warning over crossings in this kilometre (`None` when
    /// none was sampled here).
    pub threats: Vec<Option<(f64, f64)>>,
}

/// A stretch of border where a threat is likely to cross unseen.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Threat name.
    pub threat: String,
    /// From kilometre.
    pub from_km: f64,
    /// To kilometre.
    pub to_km: f64,
    /// Mean detection probability before the border there.
    pub pd: f64,
}

/// A gap is where the detection probability before the border is below this.
pub const GAP_PD: f64 = 0.5;

/// Numbers about the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanStats {
    /// Candidate sites.
    pub candidates: usize,
    /// Planning crossings.
    pub trajectories: usize,
    /// Candidate-crossing profiles.
    pub profiles: usize,
    /// Bytes of the planning model.
    pub model_bytes: usize,
    /// Model evaluations.
    pub evaluations: u64,
    /// Swaps made by local search.
    pub swaps: usize,
    /// Sensors dropped as unneeded (warning goal).
    pub pruned: usize,
    /// Whether the warning goal was met (always true for a budget).
    pub goal_met: bool,
    /// Reach of each catalogue item on its best threat, metres (0: never useful here).
    pub item_reach_m: Vec<f64>,
}

/// The plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Chosen sensors.
    pub placed: Vec<Placed>,
    /// Capital, euros.
    pub capital_eur: f64,
    /// Running cost per year, euros.
    pub yearly_eur: f64,
    /// Border length, km.
    pub length_km: f64,
    /// Predicted figures per threat on the check sample.
    pub summary: Vec<ThreatSummary>,
    /// Per kilometre.
    pub per_km: Vec<KmRow>,
    /// Gaps.
    pub gaps: Vec<Gap>,
    /// The choice as it went (the combined objective).
    pub curve: Vec<CurvePoint>,
    /// Per threat: cost against warning when optimising for that threat alone.
    pub pareto: Vec<(String, Vec<CurvePoint>)>,
    /// The check sample and its predicted outcomes (the scenario flies it).
    pub check: Vec<(Trajectory, Outcome)>,
    /// Run numbers.
    pub stats: PlanStats,
}

/// Stages reported to `progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Sampling crossings and computing what each candidate sees.
    Model,
    /// Choosing.
    Choose,
    /// Pareto curves.
    Pareto,
    /// The check sample.
    Check,
}

/// The seed stream of the check sample, apart from the planning one.
const CHECK_SEED: u64 = 0x5EED_C0DE_0000_0001;

/// Makes the plan. `progress(stage, done, total)`.
pub fn plan(
    req: &PlanRequest,
    progress: &mut dyn FnMut(Stage, usize, usize),
) -> Result<Plan, PlanError> {
    let mut problems = req.options.problems();
    problems.extend(req.catalogue.problems());
    problems.extend(req.threats.problems());
    match req.goal {
        Goal::Budget {
            capital_eur,
            yearly_eur,
        } => {
            if !(capital_eur.is_finite() && capital_eur > 0.0) {
                problems.push("the budget must be a positive number of euros".into());
            }
            if yearly_eur.is_some_and(|y| !(y.is_finite() && y > 0.0)) {
                problems.push("the yearly budget must be a positive number of euros".into());
            }
        }
        Goal::Warning { warning_s, share } => {
            if !(warning_s.is_finite() && warning_s > 0.0 && warning_s < req.options.horizon_s) {
                problems.push(format!(
                    "the required warning must be positive and below the horizon ({} s), got {warning_s}",
                    req.options.horizon_s
                ));
            }
            if !(share > 0.0 && share <= 1.0) {
                problems.push("the required share of crossings must be in (0, 1]".into());
            }
        }
    }
    if let Some(u) = req.uniform {
        if u >= req.catalogue.items.len() {
            problems.push("the uniform item is not in the catalogue".into());
        }
        if !matches!(req.goal, Goal::Budget { .. }) {
            problems.push("a uniform layout is bought with a budget".into());
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Input(problems));
    }
    let world = World {
        border: &req.border,
        catalogue: &req.catalogue,
        threats: &req.threats,
        terrain: req.terrain.as_ref(),
        options: &req.options,
    };
    let (cands, reach) = if let Some(u) = req.uniform {
        let Goal::Budget { capital_eur, .. } = req.goal else {
            return Err(PlanError::Input(vec![
                "a uniform layout needs a budget".into()
            ]));
        };
        (
            uniform(&world, u, capital_eur),
            vec![0.0; req.catalogue.items.len()],
        )
    } else {
        candidates(&world)?
    };
    let trajs = sample_trajectories(&world, req.options.seed)?;
    let cov = build_coverage(&world, cands, trajs, &mut |d, t| {
        progress(Stage::Model, d, t)
    })?;
    let costs: Vec<Cost> = cov
        .candidates
        .iter()
        .map(|c| {
            let it = &req.catalogue.items[c.item];
            Cost {
                capital_eur: it.capital_eur(&req.catalogue),
                yearly_eur: it.yearly_cost_eur,
            }
        })
        .collect();
    let weights: Vec<f64> = req.threats.items.iter().map(|t| t.weight).collect();
    let value = match req.goal {
        Goal::Budget { .. } => Value::CappedWarning,
        Goal::Warning { warning_s, .. } => Value::AtLeast(warning_s),
    };
    let mut stats = PlanStats {
        candidates: cov.candidates.len(),
        trajectories: cov.trajectories.len(),
        profiles: cov.profiles.len(),
        model_bytes: cov.bytes(),
        item_reach_m: reach,
        ..Default::default()
    };
    let (chosen, curve) = if req.uniform.is_some() {
        ((0..costs.len()).collect::<Vec<_>>(), Vec::new())
    } else {
        // Starts. A single greedy order gets the mix of dear and cheap sensors wrong
        // (cheap ones look best per euro early, and then no radar fits), so for each
        // dear item (a unit costs 5% of the budget or more) a start first spends a
        // share of the budget on that item alone, best sites first, and then the rest
        // on everything by gain per euro. Greedy by gain per euro and by gain alone are
        // starts too (the better of those two carries the budgeted guarantee of
        // Khuller, Moss and Naor). The best start is then improved by local search.
        let cheapest = costs
            .iter()
            .map(|c| c.capital_eur)
            .fold(f64::INFINITY, f64::min);
        let mut starts: Vec<(Option<(usize, f64)>, f64)> = vec![(None, 1.0), (None, 0.0)];
        if let Goal::Budget { capital_eur, .. } = req.goal {
            for (i, it) in req.catalogue.items.iter().enumerate() {
                let unit = it.capital_eur(&req.catalogue);
                if unit >= 0.05 * capital_eur && unit <= capital_eur {
                    for share in [0.5, 0.8, 1.0] {
                        starts.push((Some((i, share)), 1.0));
                    }
                }
            }
        }
        let mut best: Option<(f64, Vec<usize>, Vec<CurvePoint>)> = None;
        let make_ev = || match req.goal {
            // The share goal counts each threat equally.
            Goal::Warning { .. } => {
                Evaluator::new(&cov, &req.options, value, &vec![1.0; weights.len()])
            }
            Goal::Budget { .. } => Evaluator::new(&cov, &req.options, value, &weights),
        };
        for (k, &(first, cost_power)) in starts.iter().enumerate() {
            let mut ev = make_ev();
            let mut ch = Chooser::new(&mut ev, &costs, req.goal, vec![true; costs.len()]);
            ch.cost_power = cost_power;
            if let (
                Goal::Budget {
                    capital_eur,
                    yearly_eur,
                },
                Some((item, share)),
            ) = (req.goal, first)
            {
                {
                    let only: Vec<bool> = cov.candidates.iter().map(|c| c.item == item).collect();
                    ch.restrict(
                        Goal::Budget {
                            capital_eur: capital_eur * share,
                            yearly_eur,
                        },
                        only,
                    );
                    ch.greedy(&mut |n| progress(Stage::Choose, n, 0));
                    ch.restrict(req.goal, vec![true; costs.len()]);
                }
            }
            ch.greedy(&mut |n| progress(Stage::Choose, n, 0));
            let score = start_score(&ch, req.goal);
            let picks = ch.picks.clone();
            let curve = ch.curve.clone();
            drop(ch);
            stats.evaluations += ev.evaluations;
            tracing::debug!(
                start = k,
                ?first,
                cost_power,
                score,
                picks = picks.len(),
                "planner start"
            );
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, picks, curve));
            }
        }
        // Local search from the best start.
        if let Some((_, picks, curve)) = best.take() {
            let mut ev = make_ev();
            let mut ch = Chooser::new(&mut ev, &costs, req.goal, vec![true; costs.len()]);
            for &c in &picks {
                ch.force(c);
            }
            ch.curve = curve;
            if matches!(req.goal, Goal::Budget { .. }) {
                stats.swaps += ch.swap_pass();
                stats.swaps += ch.refill_pass(10.0 * cheapest);
                stats.swaps += ch.upgrade_pass(10.0 * cheapest, 64);
                // What the trades freed may buy more.
                ch.greedy(&mut |n| progress(Stage::Choose, n, 0));
            } else {
                stats.pruned += ch.prune();
            }
            stats.goal_met = ch.goal_met() || matches!(req.goal, Goal::Budget { .. });
            let score = start_score(&ch, req.goal);
            let picks = ch.picks.clone();
            let curve = ch.curve.clone();
            drop(ch);
            stats.evaluations += ev.evaluations;
            best = Some((score, picks, curve));
        }
        let (_, mut picks, curve) = best.unwrap_or_default();
        picks.sort_by(|&a, &b| {
            cov.candidates[a]
                .chainage_m
                .total_cmp(&cov.candidates[b].chainage_m)
                .then(cov.candidates[a].item.cmp(&cov.candidates[b].item))
        });
        (picks, curve)
    };
    if req.uniform.is_some() {
        stats.goal_met = true;
    }
    let capital_eur: f64 = chosen.iter().map(|&c| costs[c].capital_eur).sum();
    let yearly_eur: f64 = chosen.iter().map(|&c| costs[c].yearly_eur).sum();

    let mut pareto = Vec::new();
    if req.pareto && req.uniform.is_none() {
        let limit = match req.goal {
            Goal::Budget { capital_eur, .. } => capital_eur,
            Goal::Warning { .. } => capital_eur.max(1.0),
        };
        for (t, th) in req.threats.items.iter().enumerate() {
            let mut w = vec![0.0; weights.len()];
            w[t] = 1.0;
            let mut ev = Evaluator::new(&cov, &req.options, Value::CappedWarning, &w);
            let goal = Goal::Budget {
                capital_eur: limit,
                yearly_eur: None,
            };
            let mut ch = Chooser::new(&mut ev, &costs, goal, vec![true; costs.len()]);
            ch.greedy(&mut |_| {});
            let curve = ch.curve.clone();
            drop(ch);
            stats.evaluations += ev.evaluations;
            pareto.push((th.name.clone(), curve));
            progress(Stage::Pareto, t + 1, req.threats.items.len());
        }
    }

    // The check: the chosen sensors on an independent sample of crossings.
    let mut counts = vec![0usize; req.catalogue.items.len()];
    let placed: Vec<Placed> = chosen
        .iter()
        .map(|&c| {
            let site = cov.candidates[c].clone();
            counts[site.item] += 1;
            Placed {
                name: format!(
                    "{}-{}",
                    req.catalogue.items[site.item].name, counts[site.item]
                ),
                item: site.item,
                site,
            }
        })
        .collect();
    let check_trajs = sample_trajectories(&world, req.options.seed ^ CHECK_SEED)?;
    let check_cov = build_coverage(
        &world,
        placed.iter().map(|p| p.site.clone()).collect(),
        check_trajs,
        &mut |d, t| progress(Stage::Check, d, t),
    )?;
    let outcomes = predict_all(&check_cov, &req.options, value);
    let summary = summarise(&check_cov, &outcomes, req);
    let (per_km, gaps) = per_km(&check_cov, &outcomes, req);
    let check = check_cov
        .trajectories
        .iter()
        .cloned()
        .zip(outcomes.iter().copied())
        .collect();
    Ok(Plan {
        placed,
        capital_eur,
        yearly_eur,
        length_km: req.border.length_m() / 1000.0,
        summary,
        per_km,
        gaps,
        curve,
        pareto,
        check,
        stats,
    })
}

/// How good a start is: the objective for a budget; for a warning goal, meeting it
/// first, then the lower cost.
fn start_score(ch: &Chooser, goal: Goal) -> f64 {
    match goal {
        Goal::Budget { .. } => ch.objective(),
        Goal::Warning { .. } if ch.goal_met() => 1e18 - ch.spent().capital_eur,
        Goal::Warning { .. } => ch.objective(),
    }
}

/// Every candidate of `cov` chosen: each crossing's outcome.
fn predict_all(cov: &Coverage, o: &ModelOptions, value: Value) -> Vec<Outcome> {
    let mut ev = Evaluator::new(cov, o, value, &vec![1.0; cov.by_threat.len()]);
    for c in 0..cov.candidates.len() {
        ev.apply(c, true);
    }
    ev.outcomes().to_vec()
}

fn summarise(cov: &Coverage, outcomes: &[Outcome], req: &PlanRequest) -> Vec<ThreatSummary> {
    req.threats
        .items
        .iter()
        .enumerate()
        .map(|(t, th)| {
            let js = &cov.by_threat[t];
            let n = js.len().max(1) as f64;
            let sum = |f: &dyn Fn(&Outcome) -> f64| {
                js.iter().map(|&j| f(&outcomes[j as usize])).sum::<f64>() / n
            };
            ThreatSummary {
                name: th.name.clone(),
                crossings: js.len(),
                pd_before_border: sum(&|o| o.pd),
                mean_warning_s: sum(&|o| o.warning_s),
                share_with_required_warning: matches!(req.goal, Goal::Warning { .. })
                    .then(|| sum(&|o| o.p_required)),
            }
        })
        .collect()
}

fn per_km(cov: &Coverage, outcomes: &[Outcome], req: &PlanRequest) -> (Vec<KmRow>, Vec<Gap>) {
    let kms = (req.border.length_m() / 1000.0).ceil().max(1.0) as usize;
    let nt = req.threats.items.len();
    let mut acc = vec![vec![(0.0, 0.0, 0usize); nt]; kms];
    for (j, tr) in cov.trajectories.iter().enumerate() {
        let k = ((tr.chainage_m / 1000.0) as usize).min(kms - 1);
        let a = &mut acc[k][tr.threat];
        a.0 += outcomes[j].pd;
        a.1 += outcomes[j].warning_s;
        a.2 += 1;
    }
    let rows: Vec<KmRow> = acc
        .iter()
        .enumerate()
        .map(|(km, r)| KmRow {
            km,
            threats: r
                .iter()
                .map(|&(p, w, n)| (n > 0).then(|| (p / n as f64, w / n as f64)))
                .collect(),
        })
        .collect();
    // Gaps: runs of kilometres whose sampled crossings are mostly unseen.
    let mut gaps = Vec::new();
    for (t, th) in req.threats.items.iter().enumerate() {
        let mut open: Option<(usize, f64, usize)> = None;
        for row in &rows {
            let bad = row.threats[t].filter(|x| x.0 < GAP_PD);
            match (bad, &mut open) {
                (Some((p, _)), Some(g)) => {
                    g.1 += p;
                    g.2 += 1;
                }
                (Some((p, _)), None) => open = Some((row.km, p, 1)),
                (None, _) if row.threats[t].is_none() => {}
                (None, Some(g)) => {
                    gaps.push(Gap {
                        threat: th.name.clone(),
                        from_km: g.0 as f64,
                        to_km: (g.0 + g.2) as f64,
                        pd: g.1 / g.2 as f64,
                    });
                    open = None;
                }
                (None, None) => {}
            }
        }
        if let Some(g) = open {
            gaps.push(Gap {
                threat: th.name.clone(),
                from_km: g.0 as f64,
                to_km: ((g.0 + g.2) as f64).min(req.border.length_m() / 1000.0),
                pd: g.1 / g.2 as f64,
            });
        }
    }
    (rows, gaps)
}

/// `n` units of item `u`, as many as `capital_eur` buys, evenly spaced at the minimum
/// depth.
fn uniform(w: &World, u: usize, capital_eur: f64) -> Vec<Candidate> {
    let item = &w.catalogue.items[u];
    let n = (capital_eur / item.capital_eur(w.catalogue))
        .floor()
        .max(0.0) as usize;
    let len = w.border.length_m();
    (0..n)
        .map(|k| {
            let c = (k as f64 + 0.5) * len / n as f64;
            let st = w.border.station(c);
            Candidate {
                item: u,
                at: crate::border::offset(st.at, st.inward_az_rad, w.options.min_depth_m, 0.0),
                chainage_m: c,
                depth_m: w.options.min_depth_m,
                outward_deg: (st.inward_az_rad.to_degrees() + 180.0).rem_euclid(360.0),
            }
        })
        .collect()
}

/// Most target-seconds the scenario may hold (the simulator's own bound).
const SCENARIO_TARGET_SECONDS: f64 = 4_000_000.0;

/// How long a scenario target flies on after its crossing, seconds.
const AFTER_CROSSING_S: f64 = 60.0;

/// Crossing slots. The model takes one crossing at a time; flown all at once, crossings
/// half a kilometre apart would also test how a tracker copes with many targets (with
/// bearing-only sensors, badly: ghosts). So crossings are spread over slots that never
/// overlap in time (a slot is as long as a crossing's flight), each slot holding every
/// `SLOTS`-th crossing along the border, a dozen kilometres apart at the default
/// sampling. A raid is another test.
const SLOTS: usize = 24;

/// The scenario that flies the check sample through the plan's sensors: `skyfence
/// sim` on it, then `skyfence track` and `skyfence eval`, measure what the plan
/// predicts. Returns the scenario and how many check crossings it holds.
pub fn scenario(plan: &Plan, req: &PlanRequest, seed: u64) -> (Scenario, usize) {
    let o = &req.options;
    let mid = req.border.station(req.border.length_m() / 2.0).at;
    let r9 = crate::model::round9;
    let sensors = plan
        .placed
        .iter()
        .map(|p| {
            req.catalogue.items[p.item].spec(
                p.name.clone(),
                r9(p.site.at.lat_deg()),
                r9(p.site.at.lon_deg()),
                p.site.outward_deg,
            )
        })
        .collect();
    // Thin the sample evenly when it would not fit the simulator.
    let per_target: f64 = plan
        .check
        .iter()
        .map(|(t, _)| t.cross_s + AFTER_CROSSING_S)
        .sum::<f64>()
        .max(1.0);
    let stride = (per_target / SCENARIO_TARGET_SECONDS).ceil().max(1.0) as usize;
    let longest = plan
        .check
        .iter()
        .map(|(t, _)| t.cross_s)
        .fold(0.0, f64::max);
    let slot_s = (longest + AFTER_CROSSING_S + 10.0).ceil();
    let mut targets = Vec::new();
    let mut rank = vec![0usize; req.threats.items.len()];
    let mut last_cross: f64 = 0.0;
    for (k, (tr, _)) in plan.check.iter().enumerate() {
        if k % stride != 0 {
            continue;
        }
        let th = &req.threats.items[tr.threat];
        let r = rank[tr.threat];
        rank[tr.threat] += 1;
        let slot = tr.threat * SLOTS + r % SLOTS;
        let cross_at = (longest + 10.0 + slot as f64 * slot_s).round();
        let start_s = (cross_at - tr.cross_s).round().max(0.0);
        last_cross = last_cross.max(start_s + tr.cross_s);
        let mut t = target_spec(
            format!("{}-{}", th.name, r + 1),
            th,
            tr.from,
            tr.to,
            tr.speed_mps,
            tr.alt_m,
            start_s,
        );
        // Gone a minute after crossing: the simulator holds each target's path until
        // then, not to the end of the run.
        t.lifetime_s = Some((tr.cross_s + AFTER_CROSSING_S).ceil());
        targets.push(t);
    }
    let points = req
        .border
        .points()
        .iter()
        .map(|p| [r9(p.lat_deg()), r9(p.lon_deg())])
        .collect();
    let sc = Scenario {
        name: req.name.clone(),
        description: format!(
            "skyfence plan: {} sensors on {:.0} km, {} sampled crossings",
            plan.placed.len(),
            plan.length_km,
            targets.len()
        ),
        seed,
        duration_s: (last_cross + AFTER_CROSSING_S).ceil(),
        tick_s: 0.1,
        site: Site {
            lat_deg: r9(mid.lat_deg()),
            lon_deg: r9(mid.lon_deg()),
            alt_m: 0.0,
        },
        border: BorderSpec {
            points,
            own_side: if req.border.ours_left() {
                Side::Left
            } else {
                Side::Right
            },
        },
        zones: Vec::new(),
        weather: Weather {
            wind_from_deg: o.wind_from_deg,
            wind_speed_mps: o.wind_mps,
        },
        targets,
        sensors,
    };
    let n = sc.targets.len();
    (sc, n)
}
