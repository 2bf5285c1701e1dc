/** JSON error bodies: every error the API returns has this shape. */

export interface ErrorBody {
  error: string;
  message: string;
  parameter?: string;
}

/** A request parameter that is missing or invalid; becomes a 400 naming it. */
export class ParamError extends Error {
  override name = "ParamError";
  constructor(readonly parameter: string, message: string) {
    super(message);
  }

  toBody(): ErrorBody {
    return { error: "invalid_parameter", parameter: this.parameter, message: this.message };
  }
}
