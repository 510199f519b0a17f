import { explicitBiasProperty } from "./explicit_bias.ts";
import { testProperty } from "./property.ts";

testProperty(explicitBiasProperty);
