"""What training measured: the test-period comparison of every model, and how the ranker was trained.

`TrainingReport` is printed by `shopassist eval ranker`, saved in ranker.json and summarised in the model
card; `model_dump(by_alias=True)` gives the JSON written there (metric keys `auc`, `logloss`, `ndcg@10`).
"""

from __future__ import annotations

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


class TrainingReport(EvaluationReport):
    periods: Periods
    training_seconds: float
    text_tower: TextTowerReport
