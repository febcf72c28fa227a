"""The ESY life-situation assessment: the instrument, its scoring and the assessment flow."""
