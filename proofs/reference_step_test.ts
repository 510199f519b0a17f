import { referenceStepProperty } from "./reference_step.ts";
import { testProperty } from "./property.ts";

testProperty(referenceStepProperty);
