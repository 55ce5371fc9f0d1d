"""What training measured: the test-period comparison of every model, and how the ranker was trained.

`TrainingReport` is printed by `shopassist eval ranker`, saved in ranker.json and summarised in the model
card; `model_dump(by_alias=True)` gives the JSON written there (metric keys `auc`, `logloss`, `ndcg@10`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ModelMetrics(BaseModel):
    """One model's scores on the test period (metrics.py)."""

    model_config = ConfigDict(populate_by_name=True)

    auc: float
    logloss: float
    ndcg_at_10: float = Field(alias="ndcg@10", description="Graded by clicks, carts and purchases.")


class SplitSizes(BaseModel):
    """Impression rows in each period of the time split."""

    train: int
    validation: int
    test: int


class EvaluationReport(BaseModel):
    """Every model scored on the test period, which none of them was fitted or stopped on."""

    models: dict[str, ModelMetrics]
    test_events: int = Field(description="Impression rows scored: the test period.")
    rows: SplitSizes


class Periods(BaseModel):
    """Where the time split cut, as ISO 8601 search times."""

    train_start: str
    validation_start: str
    test_start: str
    test_end: str


class TextTowerReport(BaseModel):
    pairs: int = Field(description="(query, clicked product) pairs the tower was fine-tuned on.")
    steps: int
    seconds: float
    start: str = Field(description="The starting tower: the packaged MiniLM or a previous model's.")
    kept: str = Field(description="The tower that serves: 'fine-tuned' or 'starting'.")
    validation_auc: dict[str, float] = Field(description="The head's validation AUC on each tower.")


class ExclusionReport(BaseModel):
    """What screening (screening.py) left out of training: the events stay stored, they are not learnt from."""

    interactions: int = Field(default=0, description="Interactions read for the data window.")
    kept: int = Field(default=0, description="Interactions training used.")
    excluded: dict[str, int] = Field(default_factory=dict, description="Interactions left out, by reason: "
                                     "unissued_query, other_session, not_shown, dominating, burst, "
                                     "over_hourly_cap, over_product_cap.")
    searches_dropped: int = Field(default=0, description="Searches left out whole (bot-like actor or a cap).")
    flagged_actors: dict[str, str] = Field(default_factory=dict, description="Actors left out (at most 20) "
                                           "and why: 'user:..', 'session:..' or 'client:<address hash>'.")
    products: dict[str, int] = Field(default_factory=dict, description="The products with the most clicks, "
                                     "carts and purchases left out (at most 10).")
    agent_traffic: Literal["include", "exclude"] = Field(
        default="exclude", description="Searches marked as outside agents' (query_attributes.traffic 'agent', "
                                       "assistant/ucp): left out of training (exclude) or screened and learnt "
                                       "from like shoppers' (include).")
    agent_searches: int = Field(default=0, description="Agent-marked query events (one per agent tool call: "
                                "searches, views, carts) in the data window.")
    agent_interactions: int = Field(default=0, description="Interactions on agent-marked searches in the data "
                                    "window: left out before screening when agent_traffic is exclude.")

    def agent_summary(self) -> str:
        if self.agent_traffic == "include":
            return (f"agent traffic: included ({self.agent_interactions} interactions, {self.agent_searches} "
                    "agent query events; screened like shoppers')")
        return (f"agent traffic: left out {self.agent_interactions} interactions, {self.agent_searches} agent "
                "query events (--agent-traffic include to learn from them)")

    def summary(self) -> str:
        return f"{self.screening_summary()}; {self.agent_summary()}"

    def screening_summary(self) -> str:
        if not self.excluded:
            return f"screening: all {self.interactions} interactions used"
        reasons = ", ".join(f"{reason} {count}" for reason, count in self.excluded.items())
        targets = ", ".join(f"{product} ({count})" for product, count in list(self.products.items())[:3])
        return (f"screening: left out {self.interactions - self.kept} of {self.interactions} interactions "
                f"({reasons}); {self.searches_dropped} searches dropped"
                + (f"; most affected products: {targets}" if targets else ""))


class TrainingReport(EvaluationReport):
    periods: Periods
    training_seconds: float
    text_tower: TextTowerReport
    screening: ExclusionReport = Field(default_factory=ExclusionReport,
                                       description="What the event screening left out of the data window.")
