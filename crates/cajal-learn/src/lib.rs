//! Learning from data with spiking networks: image encoders ([`encode`]), the unsupervised STDP
//! network of Diehl & Cook 2015 ([`diehl_cook`]) with its training and testing ([`train`]),
//! label assignment and scoring ([`evaluate`]), and training checkpoints ([`checkpoint`]).
//! The `cajal learn` command drives these on MNIST-format datasets.

pub mod checkpoint;
pub mod diehl_cook;
pub mod encode;
pub mod evaluate;
pub mod train;
