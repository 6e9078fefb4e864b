import { UltrasoundError } from "../shared/errors.js";

/** The devnet could not start (a port is taken, the host is not this machine's, the node failed). */
export class DevnetStartError extends UltrasoundError {
  override name = "DevnetStartError";
}
