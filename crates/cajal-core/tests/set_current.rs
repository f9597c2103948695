//! `Simulation::set_current`: a current input given a new schedule between runs drives the
//! neurons exactly as a network built with that schedule from the start (bit for bit), and a
//! schedule that cannot be applied is refused with nothing changed.

use cajal_core::*;

const DT: f64 = 0.1;

/// Three `iaf_psc_exp` neurons driven by `current` (onto neurons 0 and 2), with a Poisson input
/// first so that the current is input 1.
fn network(current: Input) -> (Simulation, PopulationId) {
    let mut net = Network::new(DT, 3).unwrap();
    let pop = net
        .add_population(Population::new("n", ModelKind::IafPscExp, 3))
        .unwrap();
    net.add_input(Input::poisson(800.0, 30.0, 1.0).onto(pop))
        .unwrap();
    net.add_input(current.onto(pop).neurons(vec![0, 2]))
        .unwrap();
    (net.build(1).unwrap(), pop)
}

fn v(sim: &Simulation, pop: PopulationId) -> Vec<f64> {
    sim.state_now(pop, "V_m").unwrap()
}

#[test]
fn a_schedule_set_between_runs_equals_one_built_in() {
    let built_in = Input::step_current(vec![0.0, 6.0], vec![100.0, 500.0]).between(0.0, 8.2);
    let (mut a, pa) = network(built_in);
    let (mut b, pb) = network(Input::dc(100.0));
    a.run(5.0, |_, _| {}).unwrap();
    b.run(5.0, |_, _| {}).unwrap();
    assert_eq!(v(&a, pa), v(&b, pb));
    b.set_current(1, &[0.0, 6.0], &[100.0, 500.0], Some(8.2))
        .unwrap();
    for step in 0..12 {
        a.run(1.0, |_, _| {}).unwrap();
        b.run(1.0, |_, _| {}).unwrap();
        assert_eq!(v(&a, pa), v(&b, pb), "after {} ms", 6 + step);
    }
    // the current reached only neurons 0 and 2, and it did move them
    let (mut c, pc) = network(Input::dc(100.0));
    c.run(17.0, |_, _| {}).unwrap();
    assert_ne!(v(&a, pa)[0], v(&c, pc)[0]);
}

/// (input, times, amplitudes, stop, what the refusal says)
type Refused = (usize, Vec<f64>, Vec<f64>, Option<f64>, &'static str);

#[test]
fn impossible_schedules_are_refused_and_change_nothing() {
    let (mut a, pa) = network(Input::dc(200.0));
    let (mut b, pb) = network(Input::dc(200.0));
    a.run(2.0, |_, _| {}).unwrap();
    b.run(2.0, |_, _| {}).unwrap();
    let wrong: [Refused; 6] = [
        (
            1,
            vec![1.0, 2.0],
            vec![5.0],
            None,
            "give one amplitude per time",
        ),
        (
            1,
            vec![3.0, 3.0],
            vec![5.0, 6.0],
            None,
            "is not after the time before it",
        ),
        (1, vec![-1.0], vec![5.0], None, "must be a time >= 0 ms"),
        (
            1,
            vec![3.0],
            vec![f64::NAN],
            None,
            "amplitudes must be finite",
        ),
        (
            1,
            vec![3.0],
            vec![5.0],
            Some(f64::NAN),
            "must be a time >= 0 ms",
        ),
        (
            0,
            vec![3.0],
            vec![5.0],
            None,
            "is not a dc_generator or step_current_generator",
        ),
    ];
    for (input, t, amp, stop, says) in wrong {
        let e = b.set_current(input, &t, &amp, stop).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    a.run(5.0, |_, _| {}).unwrap();
    b.run(5.0, |_, _| {}).unwrap();
    assert_eq!(v(&a, pa), v(&b, pb));
}

#[test]
fn a_checkpoint_keeps_the_schedule_set_and_the_inputs_stay_addressable() {
    let (mut a, pa) = network(Input::dc(100.0));
    a.run(3.0, |_, _| {}).unwrap();
    a.set_current(1, &[0.0, 4.0], &[100.0, 450.0], None)
        .unwrap();
    let bytes = a.checkpoint_bytes(b"");
    let (mut b, pb) = network(Input::dc(100.0));
    let path = std::path::Path::new("set_current.ckpt");
    b.restore(Checkpoint::from_bytes(&bytes, path).unwrap())
        .unwrap();
    a.run(4.0, |_, _| {}).unwrap();
    b.run(4.0, |_, _| {}).unwrap();
    assert_eq!(v(&a, pa), v(&b, pb));
    // after the restore, input 1 is still the current (and input 0 still the Poisson drive)
    for sim in [&mut a, &mut b] {
        sim.set_current(1, &[0.0], &[-200.0], Some(9.0)).unwrap();
        assert!(sim.set_current(0, &[0.0], &[1.0], None).is_err());
        sim.run(4.0, |_, _| {}).unwrap();
    }
    assert_eq!(v(&a, pa), v(&b, pb));
}
