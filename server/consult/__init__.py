"""智能咨询: guidance before (or instead of) filing — what a dispute is, what to prepare, time limits,
who handles it for a village, and the legal bases, as versioned data (guidance.json)."""
