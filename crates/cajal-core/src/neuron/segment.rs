//! `dendritic_segment`: an active dendritic segment (Ahmad & Hawkins 2016). Its synapses' weights
//! count active synapses (weight 1 for one synapse; a negative weight takes one away); when at
//! least `theta` of them are active in the same step the segment fires a local NMDA-like event, a
//! spike its projections carry to the soma it belongs to (a small weight depolarises, predicts;
//! a large one drives). After an event the segment stays in its plateau for `t_plateau` ms and
//! fires no other: the plateau only blocks events; the soma sees the event's one spike, not a
//! sustained depolarisation (a soma that should stay depolarised takes a slow synapse or model).
//! A segment has no membrane: currents cannot drive it, and its `active` value is each step's
//! count, so an initial value of it is overwritten by the first step.

use super::params::{ParamError, Params};

/// A population of dendritic segments.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DendriticSegment {
    theta: f64,
    plateau_steps: u32,
    /// The number of synapses active in the last step (the summed weight read).
    pub active: Vec<f64>,
    /// Remaining steps of the plateau.
    pub plateau: Vec<u32>,
}

impl DendriticSegment {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let theta = p.positive("theta")?;
        let t = p.non_negative("t_plateau")?;
        Ok(DendriticSegment {
            theta,
            plateau_steps: (t / dt).round() as u32,
            active: vec![0.0; n],
            plateau: vec![0; n],
        })
    }

    /// One step: reads this step's input (`ex`; one ring holds every synapse) and leaves it zero.
    pub(crate) fn step(&mut self, ex: &mut [f64], spiked: &mut Vec<u32>) {
        for (i, ((x, active), plateau)) in ex
            .iter_mut()
            .zip(&mut self.active)
            .zip(&mut self.plateau)
            .enumerate()
        {
            *active = std::mem::take(x);
            if *plateau > 0 {
                *plateau -= 1;
            } else if *active >= self.theta {
                spiked.push(i as u32);
                *plateau = self.plateau_steps;
            }
        }
    }
}
