"""Plain dataclasses for what the tensoropt binary reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class Evaluation:
    """The predicted cost of one strategy (``tensoropt evaluate --format json``)."""

    model: str
    cluster: str
    devices: int
    time_s: float
    memory_bytes: float
    memory_capacity_bytes: float
    fits: bool
    micro_batches: int
    strategy: dict[str, Any]
    throughput: dict[str, float]
    breakdown: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Evaluation":
        return cls(
            model=data["model"],
            cluster=data["cluster"],
            devices=data["devices"],
            time_s=data["time_s"],
            memory_bytes=data["memory_bytes"],
            memory_capacity_bytes=data["memory_capacity_bytes"],
            fits=data["fits"],
            micro_batches=data["micro_batches"],
            strategy=data["strategy"],
            throughput=data["throughput"],
            breakdown=data["breakdown"],
            notes=list(data.get("notes", [])),
        )


@dataclass
class Point:
    """One frontier strategy of a plan; ``pick`` is its 1-based ``--pick`` number."""

    pick: int
    devices: int
    time_s: float
    memory_bytes: float
    memory_limit_bytes: float
    fits: bool
    summary: str
    dp: int
    tp: int
    pp: int
    microbatch: int
    micro_batches: int
    schedule: str
    interleave: int
    recompute: str
    zero: int
    sequence_parallel: bool
    uniform_layout: bool
    throughput: dict[str, float]
    breakdown: dict[str, Any]
    strategy: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any], pick: int, devices: int) -> "Point":
        s = data["strategy"]
        return cls(
            pick=pick,
            devices=devices,
            time_s=data["time_s"],
            memory_bytes=data["memory_bytes"],
            memory_limit_bytes=data["memory_limit_bytes"],
            fits=data["fits"],
            summary=s["summary"],
            dp=s["dp"],
            tp=s["tp"],
            pp=s["pp"],
            microbatch=s["microbatch"],
            micro_batches=s["micro_batches"],
            schedule=s["schedule"],
            interleave=s["interleave"],
            recompute=s["recompute"],
            zero=s["zero"],
            sequence_parallel=s["sequence_parallel"],
            uniform_layout=s["uniform_layout"],
            throughput=data["throughput"],
            breakdown=data["breakdown"],
            strategy=s,
        )


@dataclass
class Frontier:
    """The Pareto frontier on one device count, by increasing time."""

    devices: int
    points: list[Point]
    infeasible: list[Point] = field(default_factory=list)

    @property
    def fastest(self) -> Optional[Point]:
        return self.points[0] if self.points else None

    @property
    def smallest_memory(self) -> Optional[Point]:
        return self.points[-1] if self.points else None

    def fastest_within_memory(self, memory_bytes: float) -> Optional[Point]:
        """The fastest point whose peak memory per device is at most ``memory_bytes``."""
        return next((p for p in self.points if p.memory_bytes <= memory_bytes), None)

    def smallest_memory_within_time(self, time_s: float) -> Optional[Point]:
        """The point with the least memory whose iteration takes at most ``time_s``."""
        return next((p for p in reversed(self.points) if p.time_s <= time_s), None)


@dataclass
class Plan:
    """A plan file (``tensoropt-plan/1``); ``path`` is where it was read, if anywhere."""

    model: dict[str, Any]
    cluster: dict[str, Any]
    settings: dict[str, Any]
    frontiers: list[Frontier]
    path: Optional[str] = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Optional[str] = None) -> "Plan":
        if data.get("format") != "tensoropt-plan/1":
            raise ValueError(f"{path or 'plan'}: expected format \"tensoropt-plan/1\"")
        frontiers = []
        for result in data["results"]:
            devices = result["devices"]
            frontiers.append(
                Frontier(
                    devices=devices,
                    points=[
                        Point.from_json(entry, i + 1, devices)
                        for i, entry in enumerate(result["frontier"])
                    ],
                    infeasible=[
                        Point.from_json(entry, i + 1, devices)
                        for i, entry in enumerate(result.get("infeasible", []))
                    ],
                )
            )
        return cls(
            model=data["model"],
            cluster=data["cluster"],
            settings=data["settings"],
            frontiers=frontiers,
            path=path,
            raw=data,
        )

    def frontier(self, devices: Optional[int] = None) -> Frontier:
        """The frontier on ``devices`` devices (the largest count when ``None``)."""
        if devices is None:
            return self.frontiers[-1]
        for frontier in self.frontiers:
            if frontier.devices == devices:
                return frontier
        raise KeyError(f"the plan has no result for {devices} devices")


@dataclass
class NearestStrategy:
    """The uniform strategy a framework can express nearest to the chosen one."""

    summary: str
    strategy: dict[str, Any]
    time_s: Optional[float] = None
    memory_bytes: Optional[float] = None
    fits: Optional[bool] = None
    problem: Optional[str] = None


@dataclass
class Export:
    """A strategy as a training framework's configuration (``tensoropt export --format json``)."""

    target: str
    text: str
    limitations: list[str]
    notes: list[str]
    nearest: Optional[NearestStrategy] = None

    @property
    def is_exact(self) -> bool:
        return not self.limitations

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Export":
        nearest = data.get("nearest")
        return cls(
            target=data["target"],
            text=data["text"],
            limitations=list(data.get("limitations", [])),
            notes=list(data.get("notes", [])),
            nearest=NearestStrategy(
                summary=nearest["summary"],
                strategy=nearest["strategy"],
                time_s=nearest.get("time_s"),
                memory_bytes=nearest.get("memory_bytes"),
                fits=nearest.get("fits"),
                problem=nearest.get("problem"),
            )
            if nearest
            else None,
        )
