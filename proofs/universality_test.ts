import { universalityProperty } from "./universality.ts";
import { testProperty } from "./property.ts";

testProperty(universalityProperty);
