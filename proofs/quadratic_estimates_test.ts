import { testProperty } from "./property.ts";
import { quadraticEstimatesProperty } from "./quadratic_estimates.ts";

testProperty(quadraticEstimatesProperty);
