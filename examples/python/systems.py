"""Four systems from the literature, each on the engine, from Python (cajal.systems):

- the CA3 content-addressable memory (docs/ca3.md): learn, recall by cue and by content,
  overwrite;
- motion detection with heterogeneous delays (docs/motion.md): 12 delays against one;
- spatial-pattern detection with STDP and homeostasis (docs/spatial.md);
- active dendrites against the closed form (docs/dendrites.md).

    python examples/python/systems.py            # motion at docs/motion.md's size (about a minute)
    CAJAL_QUICK=1 python examples/python/systems.py
"""

import os

from cajal import systems

quick = bool(os.environ.get("CAJAL_QUICK"))

m = systems.CA3Memory(cues=5, contents=10)
m.learn(cue=0, content=[0, 1, 2, 9], at=0)
m.learn(cue=1, content=[1, 2, 3], at=10)
m.recall_by_cue(0, at=20)
m.recall_by_content([3], at=30)
m.learn(cue=0, content=[4, 5], at=40)
m.recall_by_cue(0, at=50)
m.run(65.0)
print("CA3: cue 0 recalls", m.recalled(at=20)["content"],
      "| bit 3 recalls cues", m.recalled(at=30)["cues"],
      "| after relearning, cue 0 recalls", m.recalled(at=50)["content"])

size = dict(size=16, steps=120, directions=8, speeds=[1.0], train_movies=24, test_movies=8,
            epochs=2, radius=3) if quick else {}
many = systems.motion_detection(delays=6 if quick else 12, keep=[1.0, 0.1], **size)
one = systems.motion_detection(delays=1, **size)
print(f"motion ({many['motions']} motions): {100 * many['motion_accuracy'][0]:.1f} % with many "
      f"delays ({100 * many['motion_accuracy'][1]:.1f} % with 10 % of the weights), "
      f"{100 * one['motion_accuracy'][0]:.1f} % with one")

d = systems.spatial_detection([992])
print(f"spatial: one word, accuracy {100 * d['accuracy']:.1f} %")

o = systems.dendrite_matches(n=1024, a=32, s=24, theta=12, segments=50, presentations=200)
print(f"dendrites: false-match rate {o['rate']:.2e}, closed form {o['theory']:.2e}, "
      f"within 99 %: {o['within_99']}")
