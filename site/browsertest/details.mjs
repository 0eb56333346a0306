// Browser scenarios: details (filled in by its owner).
export const scenarios = {};
