//! Duel ratings: Glicko-2, one rating period per game, as lichess plays it.

use skillratings::Outcomes;
use skillratings::glicko2::{Glicko2Config, Glicko2Rating, glicko2};

/// A player's Glicko-2 state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glicko {
    pub rating: f64,
    pub deviation: f64,
    pub volatility: f64,
}

/// Where every member starts: 1500 ± 350.
pub const NEW_PLAYER: Glicko = Glicko {
    rating: 1500.0,
    deviation: 350.0,
    volatility: 0.06,
};

/// Above this deviation a rating is provisional (lichess shows a "?").
pub const PROVISIONAL_DEVIATION: f64 = 110.0;
/// Deviation never drops below this, so a settled rating can still move.
const MIN_DEVIATION: f64 = 45.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameResult {
    Win,
    Loss,
    Draw,
}

impl GameResult {
    pub fn as_str(self) -> &'static str {
        match self {
            GameResult::Win => "win",
            GameResult::Loss => "loss",
            GameResult::Draw => "draw",
        }
    }
}

impl Glicko {
    pub fn is_provisional(&self) -> bool {
        self.deviation > PROVISIONAL_DEVIATION
    }

    /// This player's state after one game against `opponent`.
    pub fn after_game(self, opponent: Glicko, result: GameResult) -> Glicko {
        let outcome = match result {
            GameResult::Win => Outcomes::WIN,
            GameResult::Loss => Outcomes::LOSS,
            GameResult::Draw => Outcomes::DRAW,
        };
        let (me, _) = glicko2(
            &self.into(),
            &opponent.into(),
            &outcome,
            &Glicko2Config::new(),
        );
        Glicko {
            rating: me.rating,
            deviation: me.deviation.clamp(MIN_DEVIATION, NEW_PLAYER.deviation),
            volatility: me.volatility,
        }
    }
}

impl From<Glicko> for Glicko2Rating {
    fn from(g: Glicko) -> Glicko2Rating {
        Glicko2Rating {
            rating: g.rating,
            deviation: g.deviation,
            volatility: g.volatility,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_win_raises_and_a_loss_lowers_by_the_same_amount_between_equals() {
        let a = NEW_PLAYER;
        let won = a.after_game(NEW_PLAYER, GameResult::Win);
        let lost = a.after_game(NEW_PLAYER, GameResult::Loss);
        assert!(won.rating > 1500.0 && lost.rating < 1500.0);
        assert!(((won.rating - 1500.0) - (1500.0 - lost.rating)).abs() < 1e-6);
        assert!(won.deviation < 350.0, "a game makes the rating surer");
        let drawn = a.after_game(NEW_PLAYER, GameResult::Draw);
        assert!((drawn.rating - 1500.0).abs() < 1e-6);
    }

    #[test]
    fn beating_a_stronger_player_gains_more() {
        let me = Glicko {
            rating: 1500.0,
            deviation: 80.0,
            volatility: 0.06,
        };
        let strong = Glicko {
            rating: 1800.0,
            ..me
        };
        let weak = Glicko {
            rating: 1200.0,
            ..me
        };
        let up_strong = me.after_game(strong, GameResult::Win).rating - 1500.0;
        let up_weak = me.after_game(weak, GameResult::Win).rating - 1500.0;
        assert!(up_strong > up_weak);
    }

    #[test]
    fn new_players_are_provisional_until_their_deviation_falls() {
        let mut me = NEW_PLAYER;
        assert!(me.is_provisional());
        for i in 0..30 {
            let result = if i % 2 == 0 {
                GameResult::Win
            } else {
                GameResult::Loss
            };
            me = me.after_game(NEW_PLAYER, result);
        }
        assert!(!me.is_provisional());
        assert!(me.deviation >= MIN_DEVIATION);
    }
}
