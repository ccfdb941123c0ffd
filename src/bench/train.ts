export function benchTrain(_runs: number) {}
