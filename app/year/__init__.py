"""The school year's life: preparing the next year and the transition into it."""
