// Browser scenarios: board (filled in by its owner).
export const scenarios = {};
