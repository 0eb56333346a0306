// Browser scenarios: promotion (filled in by its owner).
export const scenarios = {};
