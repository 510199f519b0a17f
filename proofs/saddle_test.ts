import { testProperty } from "./property.ts";
import { saddleProperty } from "./saddle.ts";

testProperty(saddleProperty);
