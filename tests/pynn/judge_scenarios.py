"""Judges a run of PyNN's own system tests (test/system/scenarios, made to run for both
pyNN.nest and pyNN.cajal by scripts/test-pynn): every scenario that passes on pyNN.nest must
pass on pyNN.cajal, except those listed in scenario_exceptions.txt with their reason; a listed
scenario that passes is an error too (the list must stay true).

    python judge_scenarios.py results.xml scenario_exceptions.txt
"""

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def outcomes(path):
    """{(file, test): {backend: 'passed' | 'failed' | 'skipped'}} from a JUnit XML file."""
    found = defaultdict(dict)
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        if "[" not in name:
            continue
        test, backend = name[:-1].split("[", 1)
        module = case.get("classname", "").rsplit(".", 1)[-1]
        if case.find("failure") is not None or case.find("error") is not None:
            result = "failed"
        elif case.find("skipped") is not None:
            result = "skipped"
        else:
            result = "passed"
        found[(f"{module}.py", test)][backend] = result
    return found


def exceptions(path):
    """{(file, test): reason} from lines `file.py::test  reason` (# starts a comment)."""
    listed = {}
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        where, _, reason = line.partition(" ")
        file, _, test = where.partition("::")
        listed[(file, test)] = reason.strip()
    return listed


def main(results, listed_path):
    found = outcomes(results)
    listed = exceptions(listed_path)
    both, excused, wrong, stale, nest_only_fails = [], [], [], [], []
    for key in sorted(found):
        r = found[key]
        nest, cajal = r.get("nest"), r.get("cajal")
        if nest is None or cajal is None:
            continue
        label = f"{key[0]}::{key[1]}"
        if nest == "skipped":
            wrong.append(f"{label}: skipped on pyNN.nest (is NEST installed?)")
        elif nest == "passed" and cajal == "passed":
            both.append(label)
            if key in listed:
                stale.append(f"{label}: passes on pyNN.cajal but is listed as an exception")
        elif nest == "passed":
            if key in listed:
                excused.append(f"{label}: {listed[key]}")
            else:
                wrong.append(f"{label}: passes on pyNN.nest, {cajal} on pyNN.cajal")
        else:
            nest_only_fails.append(f"{label}: {nest} on pyNN.nest, {cajal} on pyNN.cajal")
    for key in listed:
        if key not in found:
            stale.append(f"{key[0]}::{key[1]}: listed as an exception but not run")
    total = len(both) + len(excused) + len([w for w in wrong if "passes on pyNN.nest" in w])
    print(f"PyNN scenarios run for both backends: {len(both) + len(excused) + len(wrong) + len(nest_only_fails)}")
    print(f"  pass on pyNN.nest: {total}; of those, pass on pyNN.cajal: {len(both)}; listed exceptions: {len(excused)}")
    for e in excused:
        print(f"  exception  {e}")
    for n in nest_only_fails:
        print(f"  (fails on pyNN.nest too) {n}")
    for problem in wrong + stale:
        print(f"  ERROR  {problem}")
    return 1 if wrong or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
