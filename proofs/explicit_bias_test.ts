import { explicitBiasProperty } from "./explicit_bias.ts";
import { testProperty } from "./property.ts";

testProperty(explicitBiasProperty);

// Seed 133 failed the old fixed 5σ̂ band at 1.10 of it (5.5σ̂, frobeniusLimitMatches): a t(19)
// statistic goes that far about once in 4e4 checks. It must pass the band the stated confidence
// requires.
testProperty(explicitBiasProperty, 133);
