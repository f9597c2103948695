//! The heterogeneous-delay layer on the engine: `2 · size²` spike generators (the camera's ON
//! and OFF pixels) and, per output position, one `iaf_psc_delta` neuron per motion with one
//! synapse per (delay, polarity, pixel offset) of the layer's nonzero weights, each carrying its
//! own delay. The neurons' membrane time constant (1 ns) makes each step's potential the sum of
//! that step's arriving weights: the layer's evidence without its bias, read from the engine
//! step by step. Their threshold lies out of reach: the readout is the evidence, as in the paper.

use super::layer::{readout, score, DelayLayer};
use super::stimulus::{Movie, MovieSpec};
use crate::error::{engine, invalid};
use crate::LearnError;
use cajal_core::{ModelKind, Network, Population, PopulationId, Projection, Rule, Simulation};

/// A trained layer built on the engine.
pub struct EngineLayer {
    sim: Simulation,
    input: PopulationId,
    output: PopulationId,
    positions: Vec<(usize, usize)>,
    bias: Vec<f64>,
    size: usize,
}

impl EngineLayer {
    /// Builds `layer` for a `size`-pixel window, with neurons at every `stride`-th position,
    /// simulated on `threads` threads.
    pub fn build(
        layer: &DelayLayer,
        size: usize,
        stride: usize,
        threads: usize,
    ) -> Result<EngineLayer, LearnError> {
        let positions = layer.positions(size, stride);
        if positions.is_empty() {
            return Err(invalid(format!(
                "no output position: the window ({size} pixels) must be wider than the disc \
                 (radius {}) and stride at least 1",
                layer.radius
            )));
        }
        let classes = layer.classes;
        let mut net = Network::new(1.0, 1).map_err(engine)?;
        let input = net
            .add_population(Population::new(
                "pixels",
                ModelKind::SpikeGenerator,
                2 * size * size,
            ))
            .map_err(engine)?;
        let output = net
            .add_population(
                Population::new("motion", ModelKind::IafPscDelta, classes * positions.len())
                    .param("E_L", 0.0)
                    .param("V_reset", 0.0)
                    .param("V_th", 1e300)
                    .param("tau_m", 1e-6)
                    .param("t_ref", 0.0),
            )
            .map_err(engine)?;
        let (mut sources, mut targets) = (Vec::new(), Vec::new());
        let (mut weights, mut delays) = (Vec::new(), Vec::new());
        for (k, &(x, y)) in positions.iter().enumerate() {
            for d in 1..=layer.delays {
                for p in 0..2 {
                    for (o, &(dx, dy)) in layer.offsets.iter().enumerate() {
                        let (px, py) = ((x as i32 + dx) as usize, (y as i32 + dy) as usize);
                        let source = (p * size + py) * size + px;
                        let w = &layer.weights[layer.input(d, p, o) * classes..][..classes];
                        for (c, &w) in w.iter().enumerate() {
                            if w != 0.0 {
                                sources.push(source as u32);
                                // neurons ordered class by class, positions within a class
                                targets.push((c * positions.len() + k) as u32);
                                weights.push(w);
                                delays.push(d as f64);
                            }
                        }
                    }
                }
            }
        }
        if !sources.is_empty() {
            let rule = Rule::Explicit {
                sources,
                targets,
                weights: Some(weights),
                delays: Some(delays),
            };
            net.connect(Projection::new(input, output, rule).name("delays"))
                .map_err(engine)?;
        }
        let sim = net.build(threads).map_err(engine)?;
        Ok(EngineLayer {
            sim,
            input,
            output,
            positions,
            bias: layer.bias.clone(),
            size,
        })
    }

    /// Synapses built (the nonzero weights at every position).
    pub fn synapses(&self) -> u64 {
        self.sim.synapses()
    }

    /// The output positions, in the order of [`DelayLayer::positions`].
    pub fn positions(&self) -> &[(usize, usize)] {
        &self.positions
    }

    /// Shows `movie` from a silent network and returns the evidence of every neuron at every
    /// step, bias added, indexed as [`DelayLayer::evidence`]: read from the membranes.
    pub fn evidence(&mut self, movie: &Movie) -> Result<Vec<f64>, LearnError> {
        if movie.size != self.size {
            return Err(invalid(format!(
                "the movie is {} pixels wide, the layer was built for {}",
                movie.size, self.size
            )));
        }
        self.sim.reset_activity();
        let base = self.sim.steps_done();
        let s = self.size;
        let senders: Vec<u32> = movie
            .events
            .iter()
            .map(|e| ((usize::from(!e.on) * s + e.y as usize) * s + e.x as usize) as u32)
            .collect();
        let steps: Vec<u64> = movie.events.iter().map(|e| base + e.t as u64).collect();
        self.sim
            .add_spike_steps(self.input, &senders, &steps)
            .map_err(engine)?;
        let (classes, n) = (self.bias.len(), self.positions.len());
        let mut out = Vec::with_capacity(movie.labels.len() * n * classes);
        for _ in 0..movie.labels.len() {
            self.sim.run(1.0, |_, _| {}).map_err(engine)?;
            let v = self.sim.state_now(self.output, "V_m").map_err(engine)?;
            for k in 0..n {
                out.extend((0..classes).map(|c| v[c * n + k] + self.bias[c]));
            }
        }
        Ok(out)
    }
}

/// How a layer did on the engine: the fractions of steps whose motion and whose direction it
/// named, its synapses, and the engine's seconds per movie.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineScore {
    /// Fraction of scored steps whose motion was named.
    pub motion: f64,
    /// Fraction of scored steps whose direction was named.
    pub direction: f64,
    /// Synapses on the engine.
    pub synapses: u64,
    /// Wall time per movie, seconds.
    pub seconds_per_movie: f64,
}

/// Builds `layer` on the engine for `spec`'s window (a neuron per motion every `stride` pixels,
/// one thread), shows it `movies` (at least one) and scores their steps from `from` on
/// ([`score`]), averaged over the movies.
pub fn score_on_engine(
    layer: &DelayLayer,
    spec: &MovieSpec,
    movies: &[Movie],
    stride: usize,
    from: usize,
) -> Result<EngineScore, LearnError> {
    if movies.is_empty() {
        return Err(invalid("no movies to score: give at least one".to_string()));
    }
    let mut net = EngineLayer::build(layer, spec.size, stride, 1)?;
    let positions = net.positions().to_vec();
    let (mut motion, mut direction) = (0.0, 0.0);
    let start = std::time::Instant::now();
    for m in movies {
        let ev = net.evidence(m)?;
        let r = readout(&ev, m, &positions, layer.classes)?;
        let (a, b) = score(&r, &m.labels, from, spec.speeds.len());
        motion += a;
        direction += b;
    }
    let n = movies.len() as f64;
    Ok(EngineScore {
        motion: motion / n,
        direction: direction / n,
        synapses: net.synapses(),
        seconds_per_movie: start.elapsed().as_secs_f64() / n,
    })
}
