//! Turning responses into class predictions and scoring them: label assignment by the highest
//! average response (Diehl & Cook 2015), voting, accuracy and the confusion matrix.

use serde::{Deserialize, Serialize};

/// Assigns each neuron the class for which its average response (spike count) is highest;
/// `None` for neurons that never responded. `responses[i]` is the response vector to image `i`.
pub fn assign_labels(responses: &[Vec<u32>], labels: &[u8], classes: usize) -> Vec<Option<u8>> {
    let n = responses.first().map_or(0, |r| r.len());
    let mut sums = vec![0.0f64; n * classes];
    let mut per_class = vec![0usize; classes];
    for (r, &l) in responses.iter().zip(labels) {
        let l = l as usize;
        per_class[l] += 1;
        for (j, &c) in r.iter().enumerate() {
            sums[j * classes + l] += c as f64;
        }
    }
    (0..n)
        .map(|j| {
            let mut best: Option<(u8, f64)> = None;
            for (c, &count) in per_class.iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let mean = sums[j * classes + c] / count as f64;
                if mean > 0.0 && best.is_none_or(|(_, b)| mean > b) {
                    best = Some((c as u8, mean));
                }
            }
            best.map(|(c, _)| c)
        })
        .collect()
}

/// Predicts the class whose assigned neurons responded most on average ("all" voting of Diehl &
/// Cook); `None` when no assigned neuron responded.
pub fn classify(response: &[u32], assignments: &[Option<u8>], classes: usize) -> Option<u8> {
    let mut sum = vec![0.0f64; classes];
    let mut count = vec![0usize; classes];
    for (&r, a) in response.iter().zip(assignments) {
        if let Some(c) = a {
            sum[*c as usize] += r as f64;
            count[*c as usize] += 1;
        }
    }
    let mut best: Option<(u8, f64)> = None;
    for c in 0..classes {
        if count[c] > 0 {
            let mean = sum[c] / count[c] as f64;
            if mean > 0.0 && best.is_none_or(|(_, b)| mean > b) {
                best = Some((c as u8, mean));
            }
        }
    }
    best.map(|(c, _)| c)
}

/// Counts of (true class, predicted class), with a column for "no prediction".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Number of classes.
    pub classes: usize,
    /// `counts[true][predicted]`; column `classes` counts images with no prediction.
    pub counts: Vec<Vec<u64>>,
}

impl Confusion {
    /// Tallies predictions against labels.
    pub fn new(labels: &[u8], predictions: &[Option<u8>], classes: usize) -> Confusion {
        let mut counts = vec![vec![0u64; classes + 1]; classes];
        for (&l, p) in labels.iter().zip(predictions) {
            counts[l as usize][p.map_or(classes, |p| p as usize)] += 1;
        }
        Confusion { classes, counts }
    }

    /// Fraction of images predicted correctly (no prediction counts as wrong).
    pub fn accuracy(&self) -> f64 {
        let total: u64 = self.counts.iter().flatten().sum();
        let right: u64 = (0..self.classes).map(|c| self.counts[c][c]).sum();
        if total == 0 {
            0.0
        } else {
            right as f64 / total as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_strongest_average_response_and_votes_pick_the_class() {
        // neuron 0 answers class 1, neuron 1 class 0, neuron 2 never
        let responses = vec![vec![0, 4, 0], vec![5, 1, 0], vec![6, 0, 0], vec![1, 3, 0]];
        let labels = [0, 1, 1, 0];
        let a = assign_labels(&responses, &labels, 2);
        assert_eq!(a, vec![Some(1), Some(0), None]);
        assert_eq!(classify(&[9, 1, 7], &a, 2), Some(1));
        assert_eq!(classify(&[0, 2, 7], &a, 2), Some(0));
        assert_eq!(classify(&[0, 0, 7], &a, 2), None);
        let conf = Confusion::new(&[1, 0, 1], &[Some(1), Some(1), None], 2);
        assert_eq!(conf.counts, vec![vec![0, 1, 0], vec![0, 1, 1]]);
        assert!((conf.accuracy() - 1.0 / 3.0).abs() < 1e-12);
    }
}
