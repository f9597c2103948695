//! Teaching a Tempotron projection between presentations.

use super::Simulation;
use crate::builder::ProjectionId;
use crate::error::BuildError;
use crate::plasticity::{LearningProjection, TempotronAnswer, TempotronProjection};

impl Simulation {
    /// Where the Tempotron projection `proj` lies: (partition, index in its learning list).
    fn tempotron_at(&self, proj: ProjectionId) -> Result<(usize, usize), BuildError> {
        let is = |l: &LearningProjection| matches!(l, LearningProjection::Tempotron(_));
        self.learning_at(proj, is, "the Tempotron rule")
    }

    fn tempotron_mut(
        &mut self,
        proj: ProjectionId,
    ) -> Result<&mut TempotronProjection, BuildError> {
        let (pi, li) = self.tempotron_at(proj)?;
        match &mut self.partitions[pi].learning[li] {
            LearningProjection::Tempotron(t) => Ok(t),
            _ => unreachable!("found above"),
        }
    }

    /// What the targets of Tempotron projection `proj` did since the last
    /// [`Simulation::reset_activity`]: whether each fired, and its highest potential before its
    /// first spike and when (NaN before any input arrived).
    pub fn tempotron_answer(&self, proj: ProjectionId) -> Result<TempotronAnswer, BuildError> {
        let (pi, li) = self.tempotron_at(proj)?;
        match &self.partitions[pi].learning[li] {
            LearningProjection::Tempotron(t) => Ok(t.answer(self.dt)),
            _ => unreachable!("found above"),
        }
    }

    /// The Tempotron's correction after a presentation (run it, then teach, then
    /// [`Simulation::reset_activity`] before the next): each target `i` that fired when
    /// `desired[i]` is `false`, or stayed silent when it is `true`, has its synapses moved along
    /// the gradient of its potential at its peak (see [`crate::plasticity::TempotronDef`]).
    /// Returns the number of targets corrected. Refused for another kind of projection, a wrong
    /// number of answers, or with learning off.
    pub fn tempotron_teach(
        &mut self,
        proj: ProjectionId,
        desired: &[bool],
    ) -> Result<usize, BuildError> {
        let ji = self.projection_index(proj)?;
        let result = self.tempotron_mut(proj)?.teach(desired);
        result.map_err(|m| self.conflict(ji, m))
    }
}
