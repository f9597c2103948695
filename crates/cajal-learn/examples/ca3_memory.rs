//! The CA3 content-addressable memory (Casanueva-Morato et al. 2024; sPyMem's
//! `CA3_content_addressable`) on the engine: sPyMem's test benches (5 cues, 10 content bits),
//! each operation's output against what sPyMem documents. The table of docs/ca3.md.
//!
//! Run: `cargo run --release -p cajal-learn --example ca3_memory` (SpiNNaker's STDP convention
//! at zero lag, as sPyMem ran), or `... --example ca3_memory -- nest` (NEST's).

use cajal_core::ZeroLag;
use cajal_learn::ca3::{expected_output, test_benches, Memory};

fn main() -> Result<(), cajal_learn::LearnError> {
    let zero_lag = match std::env::args().nth(1).as_deref() {
        Some("nest") => ZeroLag::Unpaired,
        None | Some("spinnaker") => ZeroLag::Depress,
        Some(other) => {
            return Err(cajal_learn::LearnError::InvalidParameter(format!(
                "unknown convention '{other}': give nest or spinnaker (the default)"
            )))
        }
    };
    println!("STDP at zero lag: {zero_lag:?}");
    let benches = test_benches();
    let (cues, contents) = (5, 10);
    let (mut total, mut right, mut strays) = (0, 0, 0);
    for (name, ops) in benches {
        println!("== test bench {name}");
        let mut memory = Memory::with_zero_lag(cues, contents, zero_lag)?;
        let mut memories = vec![Vec::new(); cues];
        let mut expected = Vec::new();
        for (t, op) in &ops {
            memory.schedule(op, *t)?;
            expected.push((*t, op.clone(), expected_output(op, *t, cues, &mut memories)));
        }
        let end = ops.last().map_or(0, |o| o.0) + 12;
        memory.run(end as f64)?;
        let got = memory.output_spikes()?;
        // output at a step no operation documents
        let documented: Vec<u64> = expected
            .iter()
            .flat_map(|e| e.2.iter().map(|w| w.0))
            .collect();
        let mut stray: Vec<(u64, u32)> = got
            .iter()
            .filter(|s| !documented.contains(&s.0))
            .copied()
            .collect();
        stray.sort_unstable();
        for (t, op, wanted) in expected {
            for (step, neurons) in wanted {
                let mut seen: Vec<u32> = got.iter().filter(|s| s.0 == step).map(|s| s.1).collect();
                seen.sort_unstable();
                let ok = seen == neurons;
                total += 1;
                right += ok as usize;
                println!(
                    "t={t:>3} {op:?}: step {step}: output {seen:?}, sPyMem {neurons:?}{}",
                    if ok { "" } else { "  <- differs" }
                );
            }
        }
        let mut steps: Vec<u64> = stray.iter().map(|s| s.0).collect();
        steps.dedup();
        for step in steps {
            let neurons: Vec<u32> = stray.iter().filter(|s| s.0 == step).map(|s| s.1).collect();
            strays += 1;
            println!("step {step}: output {neurons:?} where sPyMem documents none  <- differs");
        }
    }
    println!("{right} of {total} documented output steps as sPyMem documents; {strays} output steps where sPyMem documents none");
    Ok(())
}
