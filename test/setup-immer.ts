// Tests run with Immer's auto-freeze on (explorer/immer.ts): a reducer that mutates the world it was
// given, or code that mutates a produced world, throws here instead of corrupting a search silently.
import { setAutoFreeze } from '../explorer/immer.js';

setAutoFreeze(true);
