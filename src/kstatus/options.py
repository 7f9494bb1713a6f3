"""`Options`: the opt-in deviations from upstream (spec §10.3 and §10.4), as one immutable value.

The default options reproduce the Go kstatus exactly.  Each Options value derives its rule table
once (cached), so `compute` does one dict lookup per object whatever the options are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from kstatus.result import Result
from kstatus.rules_core import CORE_RULES, Rule
from kstatus.rules_extended import COMPLETE_JOB_RULES, EXTENDED_RULES, OBSERVED_PDB_RULES

if TYPE_CHECKING:
    from kstatus.user_rules import UserRules

JOBS_MODES = ("default", "complete")
PDB_MODES = ("default", "observed")
RuleTable = dict[tuple[str, str], Rule]
UserRuleTable = dict[tuple[str, str], Callable[[dict[str, Any]], Result]]


@dataclass(frozen=True)
class Options:
    """How `compute` deviates from upstream; every field's default is upstream's behaviour.

    - `strict`: a custom resource with `metadata.generation` but no `status.observedGeneration`
      and no Ready/Reconciling/Stalled condition is InProgress (`NotObserved`), not Current.
    - `jobs="complete"`: a Job is Current only once `Complete=True` (or suspended).
    - `extended`: rules for HPA, Ingress, LoadBalancer Services, APIService, Namespace,
      PersistentVolume, ReplicationController and paused Deployments.
    - `rules`: user CEL rules per GroupKind (`kstatus.user_rules.load_rules`).
    - `pdb="observed"`: a PodDisruptionBudget is Current only once its controller has observed it
      (`status.observedGeneration` present; the generation check already requires it to match).

    Two options need objects other than the one whose status is computed, so they act where those
    are read (`kstatus.live`, through `kstatus.related`); `compute` alone ignores them:
    - `endpoints`: a Service with a selector is Current only once an EndpointSlice of it has a
      ready endpoint.
    - `budgets`: a Deployment or StatefulSet whose Pods a PodDisruptionBudget covers is Current only
      when its ready Pods meet the budget's minAvailable / maxUnavailable.
    """

    strict: bool = False
    jobs: Literal["default", "complete"] = "default"
    extended: bool = False
    rules: UserRules | None = None
    pdb: Literal["default", "observed"] = "default"
    endpoints: bool = False
    budgets: bool = False

    def __post_init__(self) -> None:
        if self.jobs not in JOBS_MODES:
            raise ValueError(f"jobs must be one of {', '.join(JOBS_MODES)}, not {self.jobs!r}")
        if self.pdb not in PDB_MODES:
            raise ValueError(f"pdb must be one of {', '.join(PDB_MODES)}, not {self.pdb!r}")

    @cached_property
    def compiled(self) -> tuple[RuleTable, UserRuleTable, bool]:
        """What `compute` needs, in one attribute: the per-kind rules these options select, the
        user rule evaluators (both keyed by (API group, kind)) and the strict flag."""
        table = dict(CORE_RULES)
        if self.extended:
            table.update(EXTENDED_RULES)
        if self.jobs == "complete":
            table.update(COMPLETE_JOB_RULES)
        if self.pdb == "observed":
            table.update(OBSERVED_PDB_RULES)
        user_rules = self.rules.evaluators if self.rules is not None else {}
        return table, user_rules, self.strict


DEFAULT_OPTIONS = Options()
