// Browser scenarios: plan (filled in by its owner).
export const scenarios = {};
