/** The readings the API serves: the only column names that ever reach SQL. */

export const VARIABLES = {
  wind_speed: { unit: "m/s", description: "Wind speed at hub height" },
  power: { unit: "kW", description: "Active power output of the turbine" },
  ambient_temperature: { unit: "°C", description: "Outside air temperature" },
} as const;

export type Variable = keyof typeof VARIABLES;

export const VARIABLE_NAMES = Object.keys(VARIABLES) as Variable[];

export function isVariable(name: string): name is Variable {
  return Object.hasOwn(VARIABLES, name);
}
