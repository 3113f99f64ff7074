/**
 * zod/mini, as the wire schemas use it, with zod's English messages ("Too big: expected string to
 * have <=100 characters"). Classic zod sets them when it is imported; zod/mini does not, and a
 * plugin process loads only zod/mini: without this its errors would all read "Invalid input".
 */
import * as z from "zod/mini";

z.config(z.locales.en());

export { z };
