// The hypervisors this build can stand up. One line each.
import { nativeDriver, netnsDriver } from "./netns";
import { DriverRegistry } from "./registry";

export const drivers = new DriverRegistry().register(netnsDriver).register(nativeDriver);
