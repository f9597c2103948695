//! Teaching a delta-rule projection between presentations, and the Oja subspace it protects.

use super::Simulation;
use crate::builder::ProjectionId;
use crate::error::BuildError;
use crate::plasticity::{DeltaAnswer, DeltaProjection, LearningProjection, OjaProjection};

impl Simulation {
    fn delta_mut(&mut self, proj: ProjectionId) -> Result<&mut DeltaProjection, BuildError> {
        let is = |l: &LearningProjection| matches!(l, LearningProjection::Delta(_));
        let (pi, li) = self.learning_at(proj, is, "the delta rule")?;
        match &mut self.partitions[pi].learning[li] {
            LearningProjection::Delta(d) => Ok(d),
            _ => unreachable!("found above"),
        }
    }

    fn oja_ref(&self, proj: ProjectionId) -> Result<&OjaProjection, BuildError> {
        let is = |l: &LearningProjection| matches!(l, LearningProjection::Oja(_));
        let (pi, li) = self.learning_at(proj, is, "oja_subspace")?;
        match &self.partitions[pi].learning[li] {
            LearningProjection::Oja(o) => Ok(o),
            _ => unreachable!("found above"),
        }
    }

    fn oja_mut(&mut self, proj: ProjectionId) -> Result<&mut OjaProjection, BuildError> {
        let is = |l: &LearningProjection| matches!(l, LearningProjection::Oja(_));
        let (pi, li) = self.learning_at(proj, is, "oja_subspace")?;
        match &mut self.partitions[pi].learning[li] {
            LearningProjection::Oja(o) => Ok(o),
            _ => unreachable!("found above"),
        }
    }

    /// What the targets of delta-rule projection `proj` did since the last
    /// [`Simulation::reset_activity`]: their spike counts, and their drives (weights times the
    /// sources' trace integrals).
    pub fn delta_answer(&mut self, proj: ProjectionId) -> Result<DeltaAnswer, BuildError> {
        Ok(self.delta_mut(proj)?.answer())
    }

    /// The delta rule after a presentation (run it, then teach, then
    /// [`Simulation::reset_activity`] before the next): each target `i` with `desired[i] =
    /// Some(d)` moves its weights by `η (d − nᵢ) x`, `x` being the sources' trace integrals
    /// projected out of the protected subspace (see [`crate::DeltaDef`]). Returns the number of
    /// taught targets whose count was not the desired one. Refused for another kind of
    /// projection, a wrong number of targets, a desired count that is negative or not finite,
    /// with learning off, before any step since the last [`Simulation::reset_activity`], for a
    /// presentation taught already, and when a weight would leave the finite numbers (then no
    /// weight changes).
    pub fn delta_teach(
        &mut self,
        proj: ProjectionId,
        desired: &[Option<f64>],
    ) -> Result<usize, BuildError> {
        let ji = self.projection_index(proj)?;
        let result = self.delta_mut(proj)?.teach(desired);
        result.map_err(|m| self.conflict(ji, m))
    }

    /// Protects, in later teaching of delta-rule projection `delta`, the subspace spanned by the
    /// fixed rows of Oja projection `oja` (from the same sources): the sources' traces are
    /// projected out of it before they enter an update. Call it after
    /// [`Simulation::oja_fix_rows`]; with no fixed rows nothing is protected. Returns the rows.
    pub fn delta_protect(
        &mut self,
        delta: ProjectionId,
        oja: ProjectionId,
    ) -> Result<usize, BuildError> {
        let (dj, oj) = (self.projection_index(delta)?, self.projection_index(oja)?);
        let o = self.oja_ref(oja)?;
        let (o_src, o_first) = (o.dense.sources(), o.dense.src_first_gid());
        let basis = o.rows(o.fixed_rows()).to_vec();
        let d = self.delta_mut(delta)?;
        if (d.dense.sources(), d.dense.src_first_gid()) != (o_src, o_first) {
            let m = format!(
                "the Oja projection '{}' does not start from the delta rule's sources: the \
                 subspace it protects must be one of the same inputs",
                self.projections[oj]
            );
            return Err(self.conflict(dj, m));
        }
        let result = d.protect(&basis);
        let rows = d.protected_rows();
        result.map(|_| rows).map_err(|m| self.conflict(dj, m))
    }

    /// Consolidation of delta-rule projection `proj` (elastic weight consolidation): anchors its
    /// weights, adds the mean squared traces of the presentations taught since the last call to
    /// each source's importance and pulls later updates back with strength `lambda`. Returns the
    /// presentations the importance was taken from.
    pub fn delta_consolidate(
        &mut self,
        proj: ProjectionId,
        lambda: f64,
    ) -> Result<u64, BuildError> {
        let ji = self.projection_index(proj)?;
        let result = self.delta_mut(proj)?.consolidate(lambda);
        result.map_err(|m| self.conflict(ji, m))
    }

    /// Sets the learning rate η of delta-rule projection `proj` for the teaching that follows
    /// (a schedule: decaying rates settle a task's weights); finite and > 0.
    pub fn delta_set_eta(&mut self, proj: ProjectionId, eta: f64) -> Result<(), BuildError> {
        let ji = self.projection_index(proj)?;
        let result = self.delta_mut(proj)?.set_eta(eta);
        result.map_err(|m| self.conflict(ji, m))
    }

    /// Fixes the first `rows` rows of Oja projection `proj`: they keep their weights from now on
    /// (still driving their targets and taking part in the rule's anti-Hebbian term, so that the
    /// other rows learn a subspace orthogonal to theirs).
    pub fn oja_fix_rows(&mut self, proj: ProjectionId, rows: usize) -> Result<(), BuildError> {
        let ji = self.projection_index(proj)?;
        let result = self.oja_mut(proj)?.fix_rows(rows);
        result.map_err(|m| self.conflict(ji, m))
    }
}
