import { testProperty } from "./property.ts";
import { rescalingProperty } from "./rescaling.ts";

testProperty(rescalingProperty);
