import { fdHessianProperty } from "./fd_hessian.ts";
import { testProperty } from "./property.ts";

testProperty(fdHessianProperty);
