// The tabs in their order; `admin`: shown to admins only.

import { renderAccounts } from "./accounts.js";
import { renderBacktest } from "./backtest.js";
import { renderChart } from "./chart.js";
import { renderPortfolio } from "./portfolio.js";
import { renderStrategies } from "./strategies.js";
import { renderSystem } from "./system.js";
import { renderUsers } from "./users.js";

export const TABS = [
  { name: "portfolio", label: "Portfolio", render: renderPortfolio },
  { name: "strategies", label: "Strategies", render: renderStrategies },
  { name: "chart", label: "Chart", render: renderChart },
  { name: "backtest", label: "Backtest", render: renderBacktest },
  { name: "accounts", label: "Accounts", render: renderAccounts },
  { name: "users", label: "Users", render: renderUsers, admin: true },
  { name: "system", label: "System", render: renderSystem },
];
