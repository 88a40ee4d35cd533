import { BadUserInputError } from "./errors";

/** Names: 1 to 200 characters, not only white space. */
export function validateName(name: string, field = "name"): string {
  if (name.trim().length === 0 || [...name].length > 200) {
    throw new BadUserInputError(`"${field}" must be 1 to 200 characters`, { field });
  }
  return name;
}
