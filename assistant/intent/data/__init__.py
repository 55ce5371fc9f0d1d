"""Hand-labelled shopping requests (`intent_eval.jsonl`, labelled as `INTENT_LABELS.md` says), shipped with
the package so that `shopassist eval intent` works from an installed wheel."""
