//! Motion detection with heterogeneous synaptic delays (Grimaldi & Perrinet 2023, "Learning
//! heterogeneous delays in a layer of spiking neurons for fast motion detection", Biological
//! Cybernetics 117): event streams of moving textures ([`stimulus`]), a layer whose synapses
//! carry many delays per input trained as a time-invariant logistic regression ([`layer`]), and
//! the trained layer as a spiking network on the engine ([`engine`]).

pub mod engine;
pub mod layer;
pub mod stimulus;

pub use engine::{score_on_engine, EngineLayer, EngineScore};
pub use layer::{readout, score, DelayLayer, Training};
pub use stimulus::{movie, movie_of_image, movies, Event, Movie, MovieSpec};
