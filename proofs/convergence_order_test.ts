import { testProperty } from "./property.ts";
import { convergenceOrderProperty } from "./convergence_order.ts";

testProperty(convergenceOrderProperty);
