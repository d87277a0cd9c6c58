//! IP address functions: validity tests and CIDR subnet membership, for both families.

use std::net::IpAddr;

use super::args::arg;
use crate::insights::eval::value::{EvalError, Value};

fn address(value: &Value) -> Option<IpAddr> {
    value.as_text()?.parse().ok()
}

pub(crate) fn is_valid_ip(args: &[Value]) -> Result<Value, EvalError> {
    Ok(Value::Bool(address(arg(args, 0)).is_some()))
}

pub(crate) fn is_valid_ipv4(args: &[Value]) -> Result<Value, EvalError> {
    Ok(Value::Bool(matches!(
        address(arg(args, 0)),
        Some(IpAddr::V4(_))
    )))
}

pub(crate) fn is_valid_ipv6(args: &[Value]) -> Result<Value, EvalError> {
    Ok(Value::Bool(matches!(
        address(arg(args, 0)),
        Some(IpAddr::V6(_))
    )))
}

/// A subnet in CIDR notation. Host bits may be set (`10.1.2.3/8` means `10.0.0.0/8`); a bare
/// address is a subnet of that one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Subnet {
    network: IpAddr,
    prefix: u8,
}

impl Subnet {
    pub(crate) fn parse(text: &str) -> Result<Subnet, EvalError> {
        let invalid = || EvalError::InvalidSubnet {
            text: text.to_string(),
        };
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| invalid())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| invalid())?
            }
            Some(_) => return Err(invalid()),
        };
        if prefix > max {
            return Err(invalid());
        }
        Ok(Subnet { network, prefix })
    }

    /// Whether `ip` is in the subnet; an address of the other family never is.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[derive(Clone, Copy)]
enum Family {
    Any,
    V4,
    V6,
}

/// The subnet argument is parsed before the address so that a malformed subnet is reported on
/// every record, not only on those that carry an address.
fn in_subnet(args: &[Value], family: Family, function: &str) -> Result<Value, EvalError> {
    let Some(subnet_text) = arg(args, 1).as_text() else {
        return Ok(Value::Bool(false));
    };
    let subnet = Subnet::parse(&subnet_text)?;
    let wrong_family = match family {
        Family::Any => false,
        Family::V4 => !subnet.network.is_ipv4(),
        Family::V6 => !subnet.network.is_ipv6(),
    };
    if wrong_family {
        return Err(EvalError::InvalidArgument {
            function: function.to_string(),
            message: format!("`{subnet_text}` is a subnet of the other IP family"),
        });
    }
    Ok(Value::Bool(
        address(arg(args, 0)).is_some_and(|ip| subnet.contains(ip)),
    ))
}

pub(crate) fn is_ip_in_subnet(args: &[Value]) -> Result<Value, EvalError> {
    in_subnet(args, Family::Any, "isIpInSubnet")
}

pub(crate) fn is_ipv4_in_subnet(args: &[Value]) -> Result<Value, EvalError> {
    in_subnet(args, Family::V4, "isIpv4InSubnet")
}

pub(crate) fn is_ipv6_in_subnet(args: &[Value]) -> Result<Value, EvalError> {
    in_subnet(args, Family::V6, "isIpv6InSubnet")
}
