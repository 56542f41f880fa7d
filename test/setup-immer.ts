// Tests run with Immer's auto-freeze on (model/immer.ts): a reducer that mutates the world it was
// given, or code that mutates a produced world, throws here instead of corrupting a search silently.
import { setAutoFreeze } from '../model/immer.js';

setAutoFreeze(true);
